#!/usr/bin/env python3
"""Extracts the configuration contract of a training engine from its own source tree.

Usage:
  extract.py --engine verl --version 0.7.0 --commit <sha> --checkout <dir> --out <file.json>
             [--ref v0.7.0] [--transformers <transformers wheel or source dir>]

Only names, types (as written in the source) and literal defaults are written; never code.
Standard library only: `ast` for Python dataclasses and argparse calls, a small strict reader
for verl's flattened trainer YAML (it refuses YAML constructs it does not understand).
"""

import argparse
import ast
import json
import os
import sys
import zipfile

# ----------------------------------------------------------------------------------------------
# Source access: a checkout folder, or a wheel (zip) for transformers.


class Source:
    def __init__(self, root):
        self.root = root
        self.zip = zipfile.ZipFile(root) if root.endswith(".whl") else None

    def read(self, relative):
        if self.zip is not None:
            return self.zip.read(relative).decode("utf-8")
        with open(os.path.join(self.root, relative), encoding="utf-8") as handle:
            return handle.read()

    def exists(self, relative):
        if self.zip is not None:
            return relative in self.zip.namelist()
        return os.path.isfile(os.path.join(self.root, relative))


def literal(node):
    """A JSON-able literal default, or {"expr": source} when it is not a literal."""
    if node is None:
        return None
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return {"expr": ast.unparse(node)}
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return {"expr": repr(value)}
    try:
        json.dumps(value)
    except TypeError:
        return {"expr": ast.unparse(node)}
    return value


# ----------------------------------------------------------------------------------------------
# Dataclasses


class ClassInfo:
    def __init__(self, module, node, imports, aliases=None):
        self.aliases = aliases or {}
        self.module = module
        self.node = node
        self.name = node.name
        self.imports = imports
        self.bases = [ast.unparse(base) for base in node.bases]
        self.fields = []  # (name, annotation, default, init)
        for statement in node.body:
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            annotation = ast.unparse(statement.annotation)
            if annotation.startswith("ClassVar") or annotation.startswith("typing.ClassVar"):
                continue
            default, init, factory = None, True, None
            value = statement.value
            if isinstance(value, ast.Call) and ast.unparse(value.func) in ("field", "dataclasses.field"):
                for keyword in value.keywords:
                    if keyword.arg == "default":
                        default = literal(keyword.value)
                    elif keyword.arg == "default_factory":
                        factory = ast.unparse(keyword.value)
                    elif keyword.arg == "init":
                        init = bool(literal(keyword.value))
            elif value is not None:
                default = literal(value)
            self.fields.append((statement.target.id, annotation, default, init, factory))


def module_imports(tree, module):
    """name -> dotted module it is imported from (relative imports resolved)."""
    package = module.rsplit(".", 1)[0]
    imports = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                imports.setdefault(alias.asname or alias.name, (base, alias.name))
    return imports


def module_aliases(tree):
    """`X = Y` assignments between names at module level (also under `if`): X -> [Y, ...]."""
    aliases = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Name)
        ):
            aliases.setdefault(node.targets[0].id, []).append(node.value.id)
    return aliases


class ClassIndex:
    def __init__(self):
        self.by_module = {}
        self.by_name = {}
        self.files = []

    def load(self, source, relative, module):
        tree = ast.parse(source.read(relative))
        self.files.append(relative)
        imports = module_imports(tree, module)
        aliases = module_aliases(tree)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                info = ClassInfo(module, node, imports, aliases)
                self.by_module[(module, node.name)] = info
                self.by_name.setdefault(node.name, []).append(info)

    def resolve(self, name, context):
        """The class `name` as seen from `context`'s module (imports first, then same module, then unique name)."""
        name = name.split("[")[0].strip().strip('"').strip("'")
        short = name.rsplit(".", 1)[-1]
        if context is not None and short in context.aliases:
            for target in context.aliases[short]:
                if target != short:
                    found = self.resolve(target, context)
                    if found is not None:
                        return found
        if context is not None:
            origin, short = context.imports.get(short, (None, short))
            if origin and (origin, short) in self.by_module:
                return self.by_module[(origin, short)]
            if (context.module, short) in self.by_module:
                return self.by_module[(context.module, short)]
            if origin:
                for info in self.by_name.get(short, []):
                    if info.module.endswith(origin.rsplit(".", 1)[-1]) or origin.startswith(info.module.split(".")[0]):
                        return info
        candidates = self.by_name.get(short, [])
        return candidates[0] if len(candidates) == 1 else None

    def fields(self, info, seen=None):
        """Fields of `info` including inherited ones (bases first, subclass overrides)."""
        seen = seen or set()
        merged = {}
        for base in info.bases:
            base_info = self.resolve(base, info)
            if base_info is not None and base_info.name not in seen:
                seen.add(base_info.name)
                merged.update(self.fields(base_info, seen))
        for name, annotation, default, init, factory in info.fields:
            merged[name] = {"type": annotation, "default": default, "init": init, "factory": factory, "owner": info.name}
        return merged

    def unresolved_bases(self, info):
        missing = []
        for base in info.bases:
            base_info = self.resolve(base, info)
            if base_info is None:
                if base not in ("object",) and not base.startswith("Generic"):
                    missing.append(base)
            else:
                missing.extend(self.unresolved_bases(base_info))
        return missing


def dataclass_keys(index, class_name, module, nested=False, prefix=""):
    info = index.by_module.get((module, class_name)) or index.resolve(class_name, None)
    if info is None:
        raise SystemExit(f"class {class_name} not found in {module}")
    missing = index.unresolved_bases(info)
    if missing:
        raise SystemExit(f"class {class_name}: base class(es) {missing} not loaded; pass their source (--transformers)")
    keys = {}
    for name, field in index.fields(info).items():
        child = None
        if nested:
            type_name = field["factory"] or field["type"]
            child = index.resolve(type_name, index.by_name.get(field["owner"], [info])[0])
            if child is not None and not any(
                isinstance(d, ast.Name) and d.id == "dataclass" or ast.unparse(d).startswith("dataclass")
                for d in child.node.decorator_list
            ):
                child = None
        if child is not None:
            keys.update(dataclass_keys(index, child.name, child.module, True, f"{prefix}{name}."))
        else:
            entry = {"type": field["type"], "default": field["default"]}
            if field["factory"]:
                entry["default"] = {"factory": field["factory"]}
            if not field["init"]:
                entry["init"] = False
            keys[f"{prefix}{name}"] = entry
    return keys


# ----------------------------------------------------------------------------------------------
# argparse


def argparse_flags(text, function=None):
    """Every `--flag` given to an `add_argument` call, with for-loops over literal tuples expanded."""
    tree = ast.parse(text)
    roots = [tree]
    if function:
        roots = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name == function]
        if not roots:
            raise SystemExit(f"function {function} not found")
    flags = {}

    def expand(node, env):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.JoinedStr):
            results = [""]
            for part in node.values:
                if isinstance(part, ast.Constant):
                    results = [r + part.value for r in results]
                elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name) and part.value.id in env:
                    results = [r + value for r in results for value in env[part.value.id]]
                else:
                    return []
            return results
        return []

    def visit(node, env):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            try:
                values = ast.literal_eval(node.iter)
            except (ValueError, SyntaxError):
                values = None
            if isinstance(values, (list, tuple)) and all(isinstance(v, str) for v in values):
                inner = dict(env)
                inner[node.target.id] = list(values)
                for child in node.body:
                    visit(child, inner)
                return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
            names = [name for argument in node.args for name in expand(argument, env)]
            options = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
            for name in names:
                if not name.startswith("--"):
                    continue
                entry = {}
                if "type" in options:
                    entry["type"] = ast.unparse(options["type"])
                if "action" in options:
                    entry["action"] = literal(options["action"])
                if "nargs" in options:
                    entry["nargs"] = literal(options["nargs"])
                if "choices" in options:
                    entry["choices"] = literal(options["choices"])
                entry["default"] = literal(options.get("default"))
                flags[name] = entry
        for child in ast.iter_child_nodes(node):
            visit(child, env)

    for root in roots:
        visit(root, {})
    return flags


# ----------------------------------------------------------------------------------------------
# verl's flattened trainer config (`_generated_ppo_trainer.yaml`): block mappings, `- scalar`
# sequences, plain/quoted scalars, `[]`/`{}` and simple flow lists. Anything else is refused.


def yaml_scalar(text, where):
    text = text.strip()
    if text in ("null", "~", ""):
        return None
    if text in ("true", "True"):
        return True
    if text in ("false", "False"):
        return False
    if text == "[]":
        return []
    if text == "{}":
        return {}
    if text[0] in "|>":
        raise SystemExit(f"{where}: block scalars are not supported")
    if text[0] in "'\"":
        if text[-1] != text[0]:
            raise SystemExit(f"{where}: unterminated quoted scalar")
        return text[1:-1] if text[0] == "'" else json.loads(text)
    if text[0] == "[" and text[-1] == "]":
        return [yaml_scalar(part, where) for part in split_flow(text[1:-1])]
    if text[0] in "{[":
        raise SystemExit(f"{where}: flow collections other than lists are not supported")
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def split_flow(text):
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def strip_comment(line):
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index]
    return line


def yaml_leaves(text, name):
    """dotted key -> default for every leaf of a block-mapping YAML document."""
    leaves = {}
    stack = []  # (indent, key)
    pending = None  # (indent, dotted key) of a `key:` whose value is a nested block or a sequence
    last = None  # (indent, dotted key, raw value) of the last `key: value`, for folded continuation lines
    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{name}:{number}"
        line = strip_comment(raw).rstrip()
        if not line.strip():
            continue
        if "\t" in line[: len(line) - len(line.lstrip())]:
            raise SystemExit(f"{where}: tab indentation")
        indent = len(line) - len(line.lstrip())
        content = line.strip()
        if last is not None and indent > last[0] and pending is None and ":" not in content.replace("${", "").split("}")[-1]:
            # A plain scalar folded onto the next line (`key: ${oc.select:a,` / `    null}`).
            last = (last[0], last[1], f"{last[2]} {content}")
            leaves[last[1]] = yaml_scalar(last[2], where)
            continue
        last = None
        if content.startswith("- "):
            if pending is None:
                raise SystemExit(f"{where}: sequence item outside a sequence")
            item = content[2:]
            if ": " in item or item.endswith(":"):
                raise SystemExit(f"{where}: sequences of mappings are not supported")
            key = pending[1]
            current = leaves.get(key)
            leaves[key] = (current if isinstance(current, list) else []) + [yaml_scalar(item, where)]
            continue
        if pending is not None and indent <= pending[0] and pending[1] not in leaves:
            leaves[pending[1]] = {}  # `key:` with nothing under it is an empty mapping
        pending = None
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if ":" not in content:
            raise SystemExit(f"{where}: expected `key: value`")
        key, _, value = content.partition(":")
        if value and not value.startswith(" "):
            raise SystemExit(f"{where}: expected `key: value`")
        key = key.strip().strip("'\"")
        dotted = ".".join([entry[1] for entry in stack] + [key])
        if value.strip():
            last = (indent, dotted, value.strip())
            if value.strip()[0] in "'\"[{" or value.strip().startswith("${"):
                # May continue on the next line; parsed again when it does.
                try:
                    leaves[dotted] = yaml_scalar(value, where)
                except SystemExit:
                    leaves[dotted] = value.strip()
            else:
                leaves[dotted] = yaml_scalar(value, where)
        else:
            stack.append((indent, key))
            pending = (indent, dotted)
    # A `key:` that got children is a mapping, not a leaf.
    parents = {key.rsplit(".", 1)[0] for key in leaves if "." in key}
    return {key: value for key, value in leaves.items() if not (value == {} and key in parents)}


def yaml_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, str) and value.startswith("${"):
        return "interpolation"
    return "str"


# ----------------------------------------------------------------------------------------------
# Engines


def extract_verl(source):
    files = ["verl/trainer/config/_generated_ppo_trainer.yaml"]
    leaves = yaml_leaves(source.read(files[0]), files[0])
    keys = {key: {"type": yaml_type(value), "default": value} for key, value in sorted(leaves.items())}
    schemas = {"ppo_trainer": keys}
    merger = "verl/model_merger/base_model_merger.py"
    if source.exists(merger):
        files.append(merger)
        schemas["model_merger"] = argparse_flags(source.read(merger))
    return files, schemas


def extract_accelerate(schemas, files, accelerate):
    """`accelerate launch` flags, from the accelerate wheel or source folder the recipe pins."""
    if not accelerate:
        return
    source = Source(accelerate)
    relative = "accelerate/commands/launch.py"
    if source.zip is None and not source.exists(relative):
        relative = "src/" + relative
    schemas["accelerate_launch"] = argparse_flags(source.read(relative))
    files.append(f"{os.path.basename(accelerate)}:{relative}")


def extract_trl(source, transformers, accelerate=None):
    index = ClassIndex()
    files = []
    for relative in ("trl/trainer/base_config.py", "trl/trainer/grpo_config.py", "trl/trainer/sft_config.py"):
        if source.exists(relative):
            index.load(source, relative, relative[:-3].replace("/", "."))
            files.append(relative)
    load_transformers(index, transformers, files)
    schemas = {
        "GRPOConfig": dataclass_keys(index, "GRPOConfig", "trl.trainer.grpo_config"),
        "SFTConfig": dataclass_keys(index, "SFTConfig", "trl.trainer.sft_config"),
    }
    extract_accelerate(schemas, files, accelerate)
    return files, schemas


def load_transformers(index, transformers, files):
    if not transformers:
        raise SystemExit("this engine's configs inherit transformers.TrainingArguments: pass --transformers")
    source = Source(transformers)
    prefix = "" if source.zip is not None or source.exists("transformers/training_args.py") else "src/"
    for relative in ("transformers/training_args.py", "transformers/training_args_seq2seq.py"):
        index.load(source, prefix + relative, relative[:-3].replace("/", "."))
        files.append(f"{os.path.basename(transformers)}:{prefix}{relative}")


def extract_openrlhf(source):
    files = ["openrlhf/cli/train_ppo_ray.py", "openrlhf/cli/train_sft.py"]
    return files, {
        "train_ppo_ray": argparse_flags(source.read(files[0])),
        "train_sft": argparse_flags(source.read(files[1])),
    }


def extract_easyr1(source):
    index = ClassIndex()
    files = []
    for root, _, names in sorted(os.walk(os.path.join(source.root, "verl"))):
        for name in sorted(names):
            if name == "config.py":
                relative = os.path.relpath(os.path.join(root, name), source.root)
                index.load(source, relative, relative[:-3].replace(os.sep, "."))
                files.append(relative)
    schemas = {"PPOConfig": dataclass_keys(index, "PPOConfig", "verl.trainer.config", nested=True)}
    merger = "scripts/model_merger.py"
    if source.exists(merger):
        files.append(merger)
        schemas["model_merger"] = argparse_flags(source.read(merger))
    return files, schemas


def extract_llamafactory(source, transformers):
    index = ClassIndex()
    files = []
    folder = "src/llamafactory/hparams"
    for name in sorted(os.listdir(os.path.join(source.root, folder))):
        if name.endswith("_args.py"):
            relative = f"{folder}/{name}"
            index.load(source, relative, relative[4:-3].replace("/", "."))
            files.append(relative)
    load_transformers(index, transformers, files)
    schemas = {}
    for class_name, module in (
        ("ModelArguments", "llamafactory.hparams.model_args"),
        ("DataArguments", "llamafactory.hparams.data_args"),
        ("TrainingArguments", "llamafactory.hparams.training_args"),
        ("FinetuningArguments", "llamafactory.hparams.finetuning_args"),
        ("GeneratingArguments", "llamafactory.hparams.generating_args"),
    ):
        schemas[class_name] = dataclass_keys(index, class_name, module)
    return files, schemas


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", required=True, choices=["verl", "trl", "openrlhf", "easyr1", "llamafactory"])
    parser.add_argument("--version", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--ref", default=None, help="the tag or branch the commit came from")
    parser.add_argument("--checkout", required=True, help="a folder holding the engine's source at that commit")
    parser.add_argument("--transformers", default=None, help="transformers wheel or source folder (trl, llamafactory)")
    parser.add_argument("--accelerate", default=None, help="accelerate wheel or source folder (trl: `accelerate launch` flags)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    source = Source(args.checkout)
    if args.engine == "verl":
        files, schemas = extract_verl(source)
    elif args.engine == "trl":
        files, schemas = extract_trl(source, args.transformers, args.accelerate)
    elif args.engine == "openrlhf":
        files, schemas = extract_openrlhf(source)
    elif args.engine == "easyr1":
        files, schemas = extract_easyr1(source)
    else:
        files, schemas = extract_llamafactory(source, args.transformers)

    document = {
        "engine": args.engine,
        "version": args.version,
        "ref": args.ref,
        "commit": args.commit,
        "transformers": os.path.basename(args.transformers) if args.transformers else None,
        "accelerate": os.path.basename(args.accelerate) if args.accelerate else None,
        "sources": files,
        "extractedBy": "tooling/engine-schemas/extract.py",
        "schemas": schemas,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    temporary = f"{args.out}.partial"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1, sort_keys=False)
        handle.write("\n")
    os.replace(temporary, args.out)
    counts = ", ".join(f"{name}: {len(keys)}" for name, keys in schemas.items())
    print(f"{args.engine}@{args.version} ({args.commit[:12]}): {counts} -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
