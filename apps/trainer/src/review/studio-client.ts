/// <reference lib="dom" />
// The review studio's browser code. It runs in the page, not in Node: the server sends
// `studioClient.toString()` as /studio.js, so this function must not reference anything outside
// its own body (no imports, no module-level values). Text is always inserted with
// `textContent`, never as HTML.

/** The studio's page script; served as `(studioClient)()`. */
export function studioClient(): void {
  type Mention = { start: number; end: number; text: string; au: string; kind: string };
  type Judgement = {
    passed: boolean;
    checks: { name: string; passed: boolean; message?: string }[];
    failed: string[];
    mentions: Mention[];
    missing: string[];
    extra: string[];
    reward: { preset: string; total: number; terms: Record<string, number>; reasons: Record<string, string> };
  };
  type Decision = {
    key: string;
    id: string;
    decision: string;
    reason?: string;
    text?: string;
    passed?: boolean;
    failed?: string[];
    at: string;
  };
  type Card = {
    index: number;
    id: string;
    dataset: string;
    labels: string[];
    AUs: string[];
    origin: string;
    outcome: {
      attempts: number;
      reasons: string[];
      problems: string[];
      history: { completion: string; problems: string[] }[];
    } | null;
    original: string;
    text: string;
    judgement: Judgement;
    decision: Decision | null;
    conflict?: boolean;
  };
  type Progress = {
    reviewed: number;
    total: number;
    byLabel: {
      label: string;
      total: number;
      reviewed: number;
      accepted: number;
      edited: number;
      rejected: number;
    }[];
    agreement: { reviewers: [string, string]; kappa: number | null; agreement: number | null; n: number }[];
  };
  type Meta = {
    input: string;
    reviewer: string;
    decisions: string;
    total: number;
    labels: string[];
    datasets: string[];
    origins: string[];
    findings: string[];
    reasons: string[];
    notes: string[];
  };

  const client = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  let sequence = 0;
  const nextKey = () => {
    sequence += 1;
    return `${client}:${sequence}`;
  };
  const LIMIT = 25;
  const state = {
    meta: undefined as Meta | undefined,
    filter: { status: 'all', label: '', dataset: '', finding: '', origin: '' } as Record<string, string>,
    offset: 0,
    total: 0,
    cards: [] as Card[],
    focus: 0,
    mode: 'browse' as 'browse' | 'reject' | 'edit',
    busy: false,
  };

  const byId = (id: string) => document.getElementById(id)!;
  function element(
    tag: string,
    attributes: Record<string, string> = {},
    ...children: (Node | string | null)[]
  ) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    for (const child of children) if (child !== null) node.append(child);
    return node;
  }
  function announce(message: string, kind: 'info' | 'error' | 'warn' = 'info') {
    const status = byId('status');
    status.textContent = message;
    status.dataset.kind = kind;
  }
  async function api<T>(path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(
        path,
        body === undefined
          ? undefined
          : {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            },
      );
    } catch {
      throw new Error(
        'the studio server is not reachable (stopped?); nothing was recorded - restart it and try again',
      );
    }
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json?.error?.message ?? `HTTP ${response.status}`);
    return json as T;
  }

  function highlighted(text: string, mentions: Mention[]) {
    const container = element('div', { class: 'reasoning' });
    let at = 0;
    for (const mention of [...mentions].sort((a, b) => a.start - b.start)) {
      if (mention.start < at) continue;
      container.append(text.slice(at, mention.start));
      const titles: Record<string, string> = {
        match: `${mention.au}: in the labels`,
        extra: `${mention.au}: not in the labels`,
        negated: `${mention.au}: negated`,
        hedged: `${mention.au}: hedged`,
      };
      container.append(
        element(
          'mark',
          {
            class: `au au-${mention.kind}`,
            title: titles[mention.kind] ?? mention.au,
            'data-au': mention.au,
          },
          text.slice(mention.start, mention.end),
        ),
      );
      at = mention.end;
    }
    container.append(text.slice(at));
    return container;
  }

  function findings(judgement: Judgement) {
    const box = element('div', { class: 'findings', 'data-passed': String(judgement.passed) });
    if (judgement.passed) box.append(element('span', { class: 'ok' }, 'verifier: all checks pass'));
    else {
      box.append(element('span', { class: 'bad' }, `verifier: fails ${judgement.failed.join(', ')}`));
      const list = element('ul');
      for (const check of judgement.checks)
        if (!check.passed)
          list.append(element('li', {}, element('b', {}, check.name), ` - ${check.message ?? ''}`));
      box.append(list);
    }
    const terms = Object.entries(judgement.reward.terms)
      .map(([name, value]) => `${name} ${Number(value.toFixed(3))}`)
      .join(' · ');
    box.append(
      element(
        'div',
        { class: 'reward' },
        `reward (${judgement.reward.preset}) ${Number(judgement.reward.total.toFixed(3))}: ${terms}`,
      ),
    );
    return box;
  }

  function auChips(card: Card) {
    const chips = element('span', { class: 'chips' });
    const missing = new Set(card.judgement.missing);
    for (const au of card.AUs)
      chips.append(
        element(
          'span',
          {
            class: missing.has(au.toUpperCase()) ? 'chip missing' : 'chip',
            title: missing.has(au.toUpperCase()) ? `${au}: not named in the reasoning` : au,
          },
          au,
        ),
      );
    if (card.AUs.length === 0) chips.append(element('span', { class: 'chip none' }, 'none'));
    if (card.judgement.missing.length)
      chips.append(
        element('span', { class: 'missing-note' }, `missing: ${card.judgement.missing.join(', ')}`),
      );
    if (card.judgement.extra.length)
      chips.append(element('span', { class: 'extra-note' }, `extra: ${card.judgement.extra.join(', ')}`));
    return chips;
  }

  function decisionBadge(card: Card) {
    const decision = card.decision;
    if (!decision) return element('span', { class: 'badge undecided' }, 'undecided');
    const label =
      decision.decision === 'accept'
        ? 'accepted'
        : decision.decision === 'reject'
          ? `rejected: ${decision.reason ?? ''}`
          : `edited${decision.passed ? '' : ` (fails ${(decision.failed ?? []).join(', ')})`}`;
    return element('span', { class: `badge ${decision.decision}` }, label);
  }

  function attempts(card: Card) {
    const outcome = card.outcome;
    if (!outcome) return null;
    const box = element('details', { class: 'attempts' });
    const rejectedAttempts = card.origin === 'rejected' ? outcome.attempts : outcome.attempts - 1;
    box.append(
      element(
        'summary',
        {},
        card.origin === 'rejected'
          ? `rejected by the verifier after ${outcome.attempts} attempt(s): ${outcome.reasons.join(', ')}`
          : rejectedAttempts > 0
            ? `accepted at attempt ${outcome.attempts} (${rejectedAttempts} rejected attempt(s) before)`
            : 'accepted at the first attempt',
      ),
    );
    if (card.origin === 'duplicate')
      box.append(element('p', {}, 'dropped from the round as a near-duplicate of other reasoning'));
    for (const [number, attempt] of outcome.history.entries()) {
      const entry = element('div', { class: 'attempt' }, element('b', {}, `attempt ${number + 1}`));
      entry.append(element('pre', {}, attempt.completion));
      const feedback = element('ul');
      for (const problem of attempt.problems) feedback.append(element('li', {}, problem));
      entry.append(feedback);
      box.append(entry);
    }
    if (card.origin === 'rejected' && outcome.problems.length) {
      const feedback = element('ul', { class: 'feedback' });
      for (const problem of outcome.problems) feedback.append(element('li', {}, problem));
      box.append(element('p', {}, 'feedback on the attempt shown:'), feedback);
    }
    if (rejectedAttempts > 0 && outcome.history.length === 0 && card.origin !== 'rejected')
      box.append(
        element('p', { class: 'muted' }, 'this round did not record the texts of its rejected attempts'),
      );
    if (card.origin === 'rejected' || outcome.history.length) (box as HTMLDetailsElement).open = true;
    return box;
  }

  function renderCard(card: Card, position: number) {
    const article = element('article', {
      class: `card${position === state.focus ? ' focused' : ''}`,
      id: `card-${card.index}`,
      tabindex: '-1',
      'aria-label': `sample ${card.id}`,
      'data-id': card.id,
      'data-decision': card.decision?.decision ?? '',
    });
    const picture = element('img', {
      src: `/api/image/${card.index}`,
      alt: `face image of ${card.id}`,
      loading: 'lazy',
      width: '168',
      height: '168',
    }) as HTMLImageElement;
    picture.addEventListener('error', () =>
      picture.replaceWith(
        element('div', { class: 'noimage' }, 'image not available (missing, or outside the image roots)'),
      ),
    );
    const body = element('div', { class: 'body' });
    const parts: (Node | null)[] = [
      element(
        'header',
        {},
        element('h2', {}, card.id),
        element('span', { class: 'dataset' }, card.dataset),
        element('span', { class: `origin origin-${card.origin}` }, card.origin),
        decisionBadge(card),
        card.conflict
          ? element('span', { class: 'badge conflict' }, 'replaced a decision from another tab')
          : null,
      ),
      element(
        'div',
        { class: 'truth' },
        'label ',
        element('b', {}, card.labels.join(', ') || '(AU only)'),
        ' · AUs ',
        auChips(card),
      ),
      highlighted(card.text, card.judgement.mentions),
      card.decision?.decision === 'edit'
        ? element(
            'details',
            { class: 'original' },
            element('summary', {}, 'original text'),
            element('pre', {}, card.original),
          )
        : null,
      findings(card.judgement),
      attempts(card),
      element(
        'div',
        { class: 'actions' },
        button('Accept', 'a', () => decide('accept')),
        button('Reject', 'r', () => openReject()),
        button('Edit', 'e', () => openEdit()),
      ),
    ];
    for (const part of parts) if (part) body.append(part);
    article.append(picture, body);
    article.addEventListener('click', (event) => {
      if ((event.target as HTMLElement).closest('button, textarea, input, summary')) return;
      if (state.mode !== 'browse') return;
      setFocus(position);
    });
    return article;
  }

  function button(label: string, key: string, action: () => void) {
    const node = element(
      'button',
      { type: 'button', 'aria-keyshortcuts': key },
      label,
      element('kbd', {}, key),
    );
    node.addEventListener('click', (event) => {
      const article = (event.target as HTMLElement).closest('article');
      const position = state.cards.findIndex((card) => `card-${card.index}` === article?.id);
      if (position >= 0 && position !== state.focus) setFocus(position);
      action();
    });
    return node;
  }

  function renderList() {
    const list = byId('cards');
    list.replaceChildren(...state.cards.map((card, position) => renderCard(card, position)));
    if (state.cards.length === 0)
      list.append(element('p', { class: 'empty' }, 'No samples match these filters.'));
    const last = Math.min(state.offset + state.cards.length, state.total);
    byId('page').textContent = state.total ? `${state.offset + 1}-${last} of ${state.total}` : '0 of 0';
    scrollToFocus();
  }

  function replaceCard(card: Card) {
    const position = state.cards.findIndex((other) => other.index === card.index);
    if (position < 0) return -1;
    state.cards[position] = card;
    const old = document.getElementById(`card-${card.index}`);
    old?.replaceWith(renderCard(card, position));
    return position;
  }

  function scrollToFocus() {
    const card = state.cards[state.focus];
    if (!card) return;
    const node = document.getElementById(`card-${card.index}`);
    if (!node) return;
    node.scrollIntoView({ block: 'nearest' });
    // The sticky header covers the top of the window: keep the card's top below it.
    const headerBottom = document.querySelector('header.top')?.getBoundingClientRect().bottom ?? 0;
    const top = node.getBoundingClientRect().top;
    if (top < headerBottom + 8) window.scrollBy(0, top - headerBottom - 8);
    node.focus({ preventScroll: true });
  }

  function setFocus(position: number) {
    const before = state.cards[state.focus];
    if (before) document.getElementById(`card-${before.index}`)?.classList.remove('focused');
    state.focus = position;
    const after = state.cards[position];
    if (after) document.getElementById(`card-${after.index}`)?.classList.add('focused');
    scrollToFocus();
  }

  function renderProgress(progress: Progress) {
    const bar = byId('progress');
    const share = progress.total ? progress.reviewed / progress.total : 0;
    (byId('progress-bar') as HTMLProgressElement).value = share;
    byId('progress-count').textContent = `${progress.reviewed} / ${progress.total} reviewed`;
    const labels = byId('progress-labels');
    labels.replaceChildren(
      ...progress.byLabel.map((entry) => {
        const kept = entry.accepted + entry.edited;
        const rate = entry.reviewed ? `${Math.round((100 * kept) / entry.reviewed)}% kept` : '-';
        return element(
          'span',
          { class: 'label-rate', 'data-label': entry.label },
          `${entry.label} ${entry.reviewed}/${entry.total} · ${rate}`,
        );
      }),
    );
    const agreement = byId('agreement');
    agreement.replaceChildren(
      ...progress.agreement.map((pair) =>
        element(
          'span',
          {},
          `κ ${pair.reviewers[0]}-${pair.reviewers[1]} ${pair.kappa === null ? 'n/a' : pair.kappa.toFixed(2)} (n=${pair.n})`,
        ),
      ),
    );
    bar.dataset.reviewed = String(progress.reviewed);
  }

  async function load(offset: number | string, focus: 'first' | 'last' | 'keep' = 'first') {
    const query = new URLSearchParams({ offset: String(offset), limit: String(LIMIT) });
    for (const [name, value] of Object.entries(state.filter))
      if (value && !(name === 'status' && value === 'all')) query.set(name, value);
    const page = await api<{ total: number; offset: number; focus: number; items: Card[] }>(
      `/api/items?${query}`,
    );
    state.total = page.total;
    state.offset = page.offset;
    state.cards = page.items;
    state.focus =
      typeof offset === 'string'
        ? page.focus
        : focus === 'last'
          ? Math.max(page.items.length - 1, 0)
          : focus === 'keep'
            ? Math.min(state.focus, Math.max(page.items.length - 1, 0))
            : 0;
    state.mode = 'browse';
    renderList();
  }

  async function move(step: 1 | -1) {
    const target = state.focus + step;
    if (target >= 0 && target < state.cards.length) return setFocus(target);
    if (step > 0 && state.offset + state.cards.length < state.total)
      return load(state.offset + LIMIT, 'first');
    if (step < 0 && state.offset > 0) return load(Math.max(state.offset - LIMIT, 0), 'last');
  }

  function closePanel() {
    document.querySelector('.panel')?.remove();
    state.mode = 'browse';
  }

  async function decide(
    decision: 'accept' | 'reject' | 'edit',
    extra: { reason?: string; text?: string } = {},
  ) {
    const card = state.cards[state.focus];
    if (!card || state.busy) return;
    await exclusive(async () => {
      try {
        const result = await api<{
          record: Decision;
          conflict?: Decision;
          duplicate?: boolean;
          card: Card;
          progress: Progress;
        }>('/api/decisions', {
          key: nextKey(),
          client,
          index: card.index,
          decision,
          base: card.decision?.key ?? null,
          ...extra,
        });
        closePanel();
        const updated = { ...result.card, conflict: Boolean(result.conflict) };
        const position = replaceCard(updated);
        renderProgress(result.progress);
        if (result.conflict)
          announce(
            `${card.id} had been decided in another tab (${result.conflict.decision}${result.conflict.reason ? `: ${result.conflict.reason}` : ''}); your ${decision} replaced it - both are in the decisions log`,
            'warn',
          );
        else
          announce(
            `${decision === 'accept' ? 'Accepted' : decision === 'reject' ? 'Rejected' : 'Edited'} ${card.id}${decision === 'edit' && !result.record.passed ? ` - the edit fails ${(result.record.failed ?? []).join(', ')} and will be left out by --apply` : ''}`,
          );
        if (position === state.focus) await move(1);
      } catch (error) {
        announce(`Not saved: ${(error as Error).message}`, 'error');
      }
    });
  }

  async function undo() {
    if (state.busy) return;
    await exclusive(async () => {
      try {
        const result = await api<{ undone: Decision | null; card: Card | null; progress: Progress }>(
          '/api/undo',
          { key: nextKey(), client },
        );
        renderProgress(result.progress);
        if (!result.undone || !result.card) return announce('Nothing to undo');
        const position = replaceCard(result.card);
        if (position >= 0) setFocus(position);
        else await load(`at:${result.card.index}`);
        announce(`Undid ${result.undone.decision} on ${result.undone.id}`);
      } catch (error) {
        announce(`Not undone: ${(error as Error).message}`, 'error');
      }
    });
  }

  function panelHost() {
    const card = state.cards[state.focus];
    if (!card) return undefined;
    closePanel();
    const article = document.getElementById(`card-${card.index}`)!;
    const panel = element('div', { class: 'panel' });
    article.querySelector('.actions')!.before(panel);
    return { card, panel };
  }

  function openReject() {
    const host = panelHost();
    if (!host || !state.meta) return;
    state.mode = 'reject';
    const { panel } = host;
    panel.classList.add('reject-panel');
    panel.append(
      element('p', {}, 'Reject because (press a number, or type a reason and press Enter; Esc cancels):'),
    );
    const list = element('ol', { class: 'reasons' });
    for (const reason of state.meta.reasons) {
      const choice = element('button', { type: 'button' }, reason);
      choice.addEventListener('click', () => decide('reject', { reason }));
      list.append(element('li', {}, choice));
    }
    const other = element('input', {
      type: 'text',
      class: 'reason-text',
      placeholder: 'other reason',
      'aria-label': 'other reason',
    }) as HTMLInputElement;
    panel.append(list, other);
    panel.focus();
  }

  let verifyTicket = 0;
  function openEdit() {
    const host = panelHost();
    if (!host) return;
    state.mode = 'edit';
    const { card, panel } = host;
    panel.classList.add('edit-panel');
    const area = element('textarea', {
      class: 'edit-text',
      rows: '7',
      'aria-label': `corrected text for ${card.id}`,
      spellcheck: 'false',
    }) as HTMLTextAreaElement;
    area.value = card.text;
    const live = element('div', { class: 'live' });
    const save = element(
      'button',
      { type: 'button', class: 'save' },
      'Save edit',
      element('kbd', {}, 'Ctrl+Enter'),
    );
    save.addEventListener('click', () => decide('edit', { text: area.value }));
    const cancel = element('button', { type: 'button' }, 'Cancel', element('kbd', {}, 'Esc'));
    cancel.addEventListener('click', () => closePanel());
    panel.append(
      element('p', {}, 'Edit the text; the verifier re-checks it as you type.'),
      area,
      live,
      element('div', { class: 'actions' }, save, cancel),
    );
    const check = async () => {
      verifyTicket += 1;
      const ticket = verifyTicket;
      try {
        const judgement = await api<Judgement>('/api/verify', { index: card.index, text: area.value });
        if (ticket !== verifyTicket) return;
        live.replaceChildren(
          element(
            'div',
            { class: 'live-verdict', 'data-passed': String(judgement.passed) },
            judgement.passed ? 'passes the verifier' : `fails: ${judgement.failed.join(', ')}`,
          ),
          highlighted(area.value, judgement.mentions),
          findings(judgement),
        );
      } catch (error) {
        if (ticket === verifyTicket)
          live.replaceChildren(
            element('div', { class: 'live-verdict', 'data-passed': 'unknown' }, (error as Error).message),
          );
      }
    };
    let timer: number | undefined;
    area.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(check, 120);
    });
    void check();
    area.focus();
  }

  function helpText() {
    return 'a accept · r reject (1-6 reason) · e edit (Ctrl+Enter save, Esc cancel) · j/k next/previous · u undo · Tab moves between controls';
  }

  type KeyPress = { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; target: HTMLElement };
  /** Handles one key press; true when it was a studio key (its default is then prevented). */
  function handleKey(event: KeyPress): boolean {
    const target = event.target;
    const typing = target.matches('input, textarea, select');
    if (state.mode === 'edit') {
      if (event.key === 'Escape') {
        closePanel();
        scrollToFocus();
        return true;
      }
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        const area = document.querySelector<HTMLTextAreaElement>('.edit-text');
        if (area) void decide('edit', { text: area.value });
        return true;
      }
      return false;
    }
    if (state.mode === 'reject') {
      if (event.key === 'Escape') {
        closePanel();
        scrollToFocus();
        return true;
      }
      if (typing) {
        if (event.key !== 'Enter' || !target.matches('.reason-text')) return false;
        const reason = (target as HTMLInputElement).value.trim();
        if (reason) void decide('reject', { reason });
        return true;
      }
      const number = Number(event.key);
      const reason = state.meta?.reasons[number - 1];
      if (Number.isInteger(number) && reason) {
        void decide('reject', { reason });
        return true;
      }
      if (event.key === 'o' || event.key === '/') {
        document.querySelector<HTMLInputElement>('.reason-text')?.focus();
        return true;
      }
      return false;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return false;
    const actions: Record<string, () => unknown> = {
      a: () => decide('accept'),
      r: () => openReject(),
      e: () => openEdit(),
      j: () => exclusive(() => move(1)),
      k: () => exclusive(() => move(-1)),
      u: () => undo(),
      '?': () => announce(helpText()),
    };
    const action = actions[event.key];
    if (!action) return false;
    void action();
    return true;
  }

  // Keys pressed while a request is in flight wait for it, so "a r 3" typed quickly means
  // accept this card, then reject the next one - never a panel opened on a card being replaced.
  const waiting: KeyPress[] = [];
  function drain() {
    while (!state.busy && waiting.length) handleKey(waiting.shift()!);
  }
  async function exclusive(work: () => Promise<unknown>) {
    state.busy = true;
    try {
      await work();
    } finally {
      state.busy = false;
      drain();
    }
  }

  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement;
    const press: KeyPress = {
      key: event.key,
      ctrlKey: event.ctrlKey,
      metaKey: event.metaKey,
      altKey: event.altKey,
      target,
    };
    if (state.busy && !target.matches('input, textarea, select')) {
      if (event.key === 'Tab' || event.key === 'Shift') return;
      event.preventDefault();
      waiting.push({ ...press, target: document.body });
      return;
    }
    if (handleKey(press)) event.preventDefault();
  });

  function filterControl(name: string, label: string, values: [string, string][]) {
    const select = element('select', { id: `filter-${name}`, 'aria-label': label }) as HTMLSelectElement;
    for (const [value, text] of values) select.append(element('option', { value }, text));
    select.value = state.filter[name] ?? '';
    select.addEventListener('change', () => {
      state.filter[name] = select.value;
      const hash = new URLSearchParams(
        Object.entries(state.filter).filter(([, value]) => value && value !== 'all'),
      );
      history.replaceState(null, '', `#${hash}`);
      void load(0).catch((error) => announce((error as Error).message, 'error'));
    });
    return element('label', {}, `${label} `, select);
  }

  async function start() {
    const fromHash = new URLSearchParams(location.hash.slice(1));
    for (const name of Object.keys(state.filter)) {
      const value = fromHash.get(name);
      if (value) state.filter[name] = value;
    }
    const meta = await api<Meta>('/api/meta');
    state.meta = meta;
    byId('source').textContent = `${meta.input} · reviewer ${meta.reviewer} · decisions in ${meta.decisions}`;
    const all = (items: string[]): [string, string][] => [
      ['', 'all'],
      ...items.map((item): [string, string] => [item, item]),
    ];
    byId('filters').replaceChildren(
      filterControl('status', 'show', [
        ['all', 'all'],
        ['undecided', 'undecided'],
        ['decided', 'decided'],
        ['accept', 'accepted'],
        ['reject', 'rejected'],
        ['edit', 'edited'],
      ]),
      filterControl('label', 'label', all(meta.labels)),
      filterControl('dataset', 'dataset', all(meta.datasets)),
      filterControl('finding', 'verifier', all(meta.findings)),
      filterControl('origin', 'origin', all(meta.origins)),
    );
    const previous = element('button', { type: 'button', id: 'previous-page' }, '◀ page');
    previous.addEventListener('click', () => void load(Math.max(state.offset - LIMIT, 0)));
    const next = element('button', { type: 'button', id: 'next-page' }, 'page ▶');
    next.addEventListener('click', () => {
      if (state.offset + LIMIT < state.total) void load(state.offset + LIMIT);
    });
    byId('pager').replaceChildren(previous, element('span', { id: 'page' }), next);
    if (meta.notes.length) byId('notes').textContent = meta.notes.join(' · ');
    byId('help').textContent = helpText();
    renderProgress(await api<Progress>('/api/progress'));
    await load('resume');
    document.body.dataset.ready = 'true';
  }
  start().catch((error) => announce(`Could not start: ${(error as Error).message}`, 'error'));
}
