import { studioClient } from './studio-client';

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const STYLE = `
:root{--bg:#f7f7f5;--card:#fff;--ink:#1d1d1f;--muted:#6b6b70;--line:#dcdcd8;--accent:#2457c5;
--match:#c8efc9;--extra:#ffd2cc;--negated:#e5d9ff;--hedged:#ffedb3;--ok:#1b7f3b;--bad:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header.top{position:sticky;top:0;z-index:2;background:var(--card);border-bottom:1px solid var(--line);padding:.6rem 1rem}
header.top h1{font-size:1.05rem;margin:0 0 .2rem}
#source,#notes,#help{color:var(--muted);font-size:12px}
#progress{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:.35rem 0}
#progress-bar{width:14rem;height:.7rem}
.label-rate{background:#eef1f7;border-radius:1rem;padding:0 .55rem;font-size:12px}
#agreement span{font-size:12px;background:#f1ecfb;border-radius:1rem;padding:0 .55rem}
.controls{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
#filters{display:flex;flex-wrap:wrap;gap:.5rem}
select,button,input,textarea{font:inherit}
button{border:1px solid var(--line);background:#fff;border-radius:6px;padding:.2rem .6rem;cursor:pointer}
button:focus-visible,select:focus-visible,.card:focus-visible{outline:3px solid var(--accent);outline-offset:1px}
kbd{font:11px ui-monospace,monospace;border:1px solid var(--line);border-bottom-width:2px;border-radius:4px;padding:0 .25rem;margin-left:.35rem;color:var(--muted)}
#pager{display:flex;gap:.5rem;align-items:center}
#status{min-height:1.2rem;font-size:13px;margin-top:.25rem}
#status[data-kind=error]{color:var(--bad);font-weight:600}
#status[data-kind=warn]{color:#8a5a00;font-weight:600}
main{padding:.8rem 1rem 4rem;max-width:78rem}
.card{display:flex;gap:1rem;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.8rem;margin:.6rem 0}
.card.focused{border-color:var(--accent);box-shadow:0 0 0 2px var(--accent)}
.card[data-decision=accept]{border-left:6px solid var(--ok)}
.card[data-decision=reject]{border-left:6px solid var(--bad)}
.card[data-decision=edit]{border-left:6px solid #8a5a00}
.card img,.noimage{width:168px;height:168px;object-fit:cover;border-radius:8px;flex:none;background:#ddd}
.noimage{display:flex;align-items:center;justify-content:center;text-align:center;font-size:12px;color:var(--muted);padding:.5rem}
.body{flex:1;min-width:0}
.body header{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
.body h2{font-size:1rem;margin:0}
.dataset,.origin{font-size:12px;color:var(--muted)}
.origin-rejected{color:var(--bad)}.origin-duplicate{color:#8a5a00}
.badge{font-size:12px;border-radius:1rem;padding:0 .55rem;background:#eee}
.badge.accept{background:#dff3e4;color:var(--ok)}.badge.reject{background:#fbe3e1;color:var(--bad)}.badge.edit{background:#fff1d6;color:#8a5a00}
.badge.conflict{background:#fff1d6;color:#8a5a00;font-weight:600}
.truth{margin:.3rem 0}
.chips{display:inline-flex;flex-wrap:wrap;gap:.25rem;vertical-align:middle}
.chip{font:12px ui-monospace,monospace;border:1px solid var(--line);border-radius:4px;padding:0 .3rem}
.chip.missing{border-color:var(--bad);color:var(--bad);text-decoration:underline wavy}
.missing-note{color:var(--bad);font-size:12px}.extra-note{color:#a23c00;font-size:12px}
.reasoning{white-space:pre-wrap;background:#fafaf8;border:1px solid #eee;border-radius:6px;padding:.45rem .6rem;margin:.35rem 0;overflow-wrap:anywhere}
mark.au{border-radius:3px;padding:0 .1rem;color:inherit}
mark.au-match{background:var(--match)}
mark.au-extra{background:var(--extra);text-decoration:underline wavy #c0392b}
mark.au-negated{background:var(--negated);text-decoration:line-through}
mark.au-hedged{background:var(--hedged);font-style:italic}
.legend mark{font-size:12px;margin-right:.3rem}
.findings{font-size:13px}.findings ul{margin:.2rem 0 .2rem 1.2rem;padding:0}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}
.reward{color:var(--muted);font:12px ui-monospace,monospace;margin-top:.2rem}
.attempts{margin:.35rem 0;font-size:13px}.attempts pre,.original pre{white-space:pre-wrap;background:#fbf4f4;padding:.4rem;border-radius:6px}
.muted{color:var(--muted)}
.actions{display:flex;gap:.5rem;margin-top:.5rem}
.panel{border-top:1px dashed var(--line);margin-top:.5rem;padding-top:.5rem}
.reasons{margin:.2rem 0 .4rem 1.2rem;padding:0}.reasons button{margin:.1rem 0}
.reason-text{width:100%;max-width:30rem}
.edit-text{width:100%;font:13px ui-monospace,monospace}
.live-verdict{font-weight:600;margin:.3rem 0}
.live-verdict[data-passed=true]{color:var(--ok)}.live-verdict[data-passed=false]{color:var(--bad)}
.empty{color:var(--muted)}
`;

/** The studio's HTML page (the script is served separately as `/studio.js`). */
export function studioPage(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<header class="top">
  <h1>Facial-R1 review studio</h1>
  <div id="source"></div>
  <div id="progress" aria-label="progress"><progress id="progress-bar" max="1" value="0"></progress><b id="progress-count"></b><span id="progress-labels"></span><span id="agreement"></span></div>
  <div class="controls"><div id="filters"></div><div id="pager"></div>
    <span class="legend">AU mentions: <mark class="au au-match">matching</mark><mark class="au au-extra">extra</mark><mark class="au au-negated">negated</mark><mark class="au au-hedged">hedged</mark></span></div>
  <div id="help"></div><div id="notes"></div>
  <div id="status" role="status" aria-live="polite"></div>
</header>
<main><div id="cards" aria-label="samples"></div></main>
<script src="/studio.js" defer></script>
</body></html>
`;
}

/** The page script: the browser code of {@link studioClient}, self-contained. */
export function studioScript(): string {
  // Bundlers that keep function names wrap inner functions in `__name(...)`; give it a no-op.
  return `"use strict";\nvar __name = (target) => target;\n(${studioClient.toString()})();\n`;
}
