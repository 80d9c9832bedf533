#!/usr/bin/env bash
# The shape of the code, in figures: where diesel, transactions, audit entries and mail are
# written from, import circles between files, the refusal types, status columns compared with
# string literals, and the long functions. Run from anywhere; prints a report and exits 0.
# `scripts/shape.sh --check` exits 1 when there is an import circle between files.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import os, re, sys
from collections import defaultdict

SRC = "src"

def strip(text):
    """The code without comments, strings and char literals (kept as blanks, lines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or (c == "'" and re.match(r"'\\u\{[0-9a-fA-F]+\}'", text[i:i + 12])):
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)

files = []
for root, _, names in os.walk(SRC):
    for f in names:
        if f.endswith(".rs"):
            files.append(os.path.join(root, f))
files.sort()
raw = {f: open(f, encoding="utf-8").read() for f in files}
code = {f: strip(t) for f, t in raw.items()}

def module_of(f):
    p = f[len(SRC) + 1:-3].split("/")
    if p[-1] in ("mod", "lib", "main"):
        p = p[:-1]
    return tuple(p)

mods = {module_of(f): f for f in files if not f.endswith("main.rs")}

def is_test_part(f):
    return "/tests/" in f or f.endswith("/tests.rs")

def without_tests(text):
    # Unit tests at the end of a file (`#[cfg(test)] mod tests`) are not the code's shape.
    i = text.find("#[cfg(test)]")
    return text if i < 0 else text[:i]

# ---------------------------------------------------------------- imports between files
def expand_use(tree):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    tree = re.sub(r"\s+", "", tree)
    def parse(s, i, prefix):
        paths, cur = [], ""
        while i < len(s):
            ch = s[i]
            if ch == "{":
                sub, i = parse(s, i + 1, prefix + cur)
                paths.extend(sub)
                cur = None
            elif ch == "}":
                if cur:
                    paths.append(prefix + cur)
                return paths, i + 1
            elif ch == ",":
                if cur:
                    paths.append(prefix + cur)
                cur = ""
                i += 1
                continue
            else:
                cur = (cur or "") + ch
                i += 1
                continue
        if cur:
            paths.append(prefix + cur)
        return paths, i
    out, _ = parse(tree, 0, "")
    return [re.sub(r"\bas\w+$", "", p) for p in out]

def resolve(path, here):
    parts = [p for p in path.split("::") if p]
    if not parts:
        return None
    if parts[0] == "crate":
        base = []
        parts = parts[1:]
    elif parts[0] == "super":
        base = list(here)
        while parts and parts[0] == "super":
            base = base[:-1]
            parts = parts[1:]
    elif parts[0] == "self":
        base = list(here)
        parts = parts[1:]
    else:
        return None
    parts = [p for p in parts if p != "self"]
    best = None
    for k in range(len(parts), -1, -1):
        cand = tuple(base + parts[:k])
        if cand in mods:
            best = cand
            break
    return best

edges = defaultdict(set)
for f in files:
    if f.endswith("main.rs"):
        continue
    here = module_of(f)
    if f.endswith("/mod.rs") or f == "src/lib.rs":
        here_dir = here
    else:
        here_dir = here
    text = without_tests(code[f])
    paths = []
    for m in re.finditer(r"\buse\s+((?:crate|super|self)(?:::)?[^;]*);", text):
        paths.extend(expand_use(m.group(1)))
    for m in re.finditer(r"\b((?:crate|super)(?:::\w+)+)", text):
        paths.append(m.group(1))
    for p in paths:
        # `super` in a file module is its parent module; in mod.rs it is the dir's parent.
        target = resolve(p, here_dir if (f.endswith("mod.rs") or f == "src/lib.rs") else here[:-1] + (here[-1],))
        if p.startswith("super") and not (f.endswith("mod.rs")):
            target = resolve(p, here)  # `super` of a file module `a::b` is `a`
        if target is None or target == here or target == ():
            continue
        # A child naming its own parent module file (mod.rs) by `super::` is the normal
        # way to reach the parent's items; a parent naming its child likewise.
        edges[here].add(target)

def sccs(nodes, edges):
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in nodes:
        if v not in index:
            visit(v)
    return out

circles = sccs(sorted(mods), edges)

def feature_of(mod):
    # <feature>/routes/… or <feature>/routes.rs
    if len(mod) >= 2 and mod[1] == "routes":
        return mod[0]
    return None

cross_routes = sorted(
    (a, b) for a, ts in edges.items() for b in ts
    if feature_of(a) and feature_of(b) and feature_of(a) != feature_of(b)
)

# ---------------------------------------------------------------- writes and refusals
def where(pattern, files_):
    hits = defaultdict(int)
    for f in files_:
        n = len(re.findall(pattern, without_tests(code[f])))
        if n:
            hits[f] += n
    return hits

handler_files = [f for f in files if "/routes/" in f or "/views/" in f or f.endswith(("/routes.rs", "/views.rs"))]
platform = ("src/audit/", "src/mail/", "src/jobs/", "src/db/", "src/web/", "src/auth/", "src/demo/", "src/uploads/")
steps_files = [f for f in files if f.endswith("steps.rs") or "/steps/" in f]
diesel_in_handlers = where(r"\bdiesel::|\.execute\(\s*[&\w]|\.load\(\s*[&\w]|\.get_results?\(\s*[&\w]|\.first\(\s*[&\w]", handler_files)
tx_in_handlers = where(r"\bwrite_tx\b|\btransaction\(", handler_files)
audit_calls = where(r"\baudit::record\s*\(", files)
mail_calls = where(r"\boutbox::(enqueue|push|send)\w*\s*\(|\bmail_(?:user|regulators)\s*\(|\bmail::(enqueue|queue)\w*\s*\(", files)

def outside(hits):
    return {f: n for f, n in hits.items() if not f.startswith(platform) and f not in steps_files}

# A refusal type says why a step did not happen; the pages that show one (…Page, …View) are
# not, nor is StepError (the one Refusal or a database failure: what every step answers).
refusal_types = sorted(set(
    m.group(1) for f in files for m in re.finditer(
        r"\b(?:pub(?:\(crate\))?\s+)?(?:enum|struct|type)\s+(\w*Refus\w*)\b", code[f])
    if not m.group(1).endswith(("Page", "View", "Kind"))))
# What the steps answer when they fail: the error types of their results, and nested results.
step_errors = defaultdict(int)
for f in steps_files:
    for m in re.finditer(r"\n\s*pub(?:\(crate\))?\s+(?:async\s+)?fn\s+\w+[^{;]*?->\s*([^{;]+)\{", code[f], re.S):
        rt = " ".join(m.group(1).split())
        e = re.match(r"(?:Result<.*,\s*(\w+)>|(QueryResult)<.*>)$", rt)
        if e:
            step_errors[e.group(1) or e.group(2)] += 1
        elif "Outcome<" in rt:
            step_errors["Outcome"] += 1
nested_results = where(r"Result<\s*Result<", files)
# Rule reasons of src/domain that a step turns into a Refusal, each in one place.
into_refusal = sorted(set(
    m.group(1) for f in files for m in re.finditer(r"impl\s+From<\s*(?:[\w:]+::)?(\w+)\s*>\s+for\s+(?:crate::error::)?Refusal\b", code[f])))

status_literals = where(r"(?:status|kind|state|role)\s*(?:\.eq\(|\.ne\(|==|!=)\s*\"\"", files)
# The stripped text shows every literal as "": count on the raw text for what is compared.
status_literals = {}
for f in files:
    t = without_tests(raw[f])
    n = len(re.findall(r"(?:\bstatus|\bkind|\bstate)\w*\s*(?:\.eq\(|\.ne\(|==|!=)\s*\"[a-z_]+\"", t)) \
        + len(re.findall(r"\"[a-z_]+\"\s*(?:==|!=)\s*\w*\.?(?:status|kind|state)\b", t))
    if n:
        status_literals[f] = n

# ---------------------------------------------------------------- function lengths
fns = []
for f in files:
    if f.startswith("src/demo/"):
        continue
    text = without_tests(code[f])
    lines = text.split("\n")
    for m in re.finditer(r"^[ \t]*(?:pub(?:\([\w:]+\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)", text, re.M):
        start = text.count("\n", 0, m.start())
        # The body: from the first `{` after the signature to its matching `}`.
        i = m.end()
        depth_paren = 0
        while i < len(text):
            ch = text[i]
            if ch in "([<":
                depth_paren += 1
            elif ch in ")]>":
                depth_paren -= 1
            elif ch == ";" and depth_paren <= 0:
                i = -1
                break
            elif ch == "{" and depth_paren <= 0:
                break
            i += 1
        if i < 0 or i >= len(text):
            continue
        depth, j = 0, i
        while j < len(text):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        end = text.count("\n", 0, j)
        fns.append((end - start + 1, f, m.group(1)))
fns.sort(reverse=True)
over60 = [x for x in fns if x[0] > 60]
over80 = [x for x in fns if x[0] > 80]
over100 = [x for x in fns if x[0] > 100]
def is_handler_or_step(f):
    return f in handler_files or f in steps_files or "/store/" in f or f.endswith("/store.rs")
hs_over80 = [x for x in over80 if is_handler_or_step(x[1])]

# ---------------------------------------------------------------- report
def show(title, hits):
    total = sum(hits.values())
    print(f"{title}: {total} in {len(hits)} files")
    for f, n in sorted(hits.items(), key=lambda x: -x[1])[:8]:
        print(f"    {n:4}  {f}")

print(f"files: {len(files)}, functions (outside src/demo/, unit tests left out): {len(fns)}")
show("diesel calls in handlers (routes/, views.rs)", diesel_in_handlers)
show("transactions opened in handlers", tx_in_handlers)
show("audit::record outside steps and the platform", outside(audit_calls))
show("mail queued outside steps and the platform", outside(mail_calls))
print(f"imports from one feature's routes into another's: {len(cross_routes)}")
for a, b in cross_routes[:8]:
    print(f"    {'::'.join(a)} -> {'::'.join(b)}")
print(f"import circles between files: {len(circles)}")
for c in circles:
    print("    " + " <-> ".join("::".join(m) for m in c))
print(f"refusal types: {len(refusal_types)} ({', '.join(refusal_types)})")
print("steps' error types: " + ", ".join(f"{k} {v}" for k, v in sorted(step_errors.items(), key=lambda kv: -kv[1])))
print(f"nested results (Result<Result<..>>): {sum(nested_results.values())} in {len(nested_results)} files")
print(f"domain reasons turned into a Refusal: {len(into_refusal)} ({', '.join(into_refusal)})")
show("status/kind columns compared with a string literal", status_literals)
print(f"functions over 60 lines: {len(over60)}, over 80: {len(over80)}, over 100: {len(over100)}")
print(f"handlers and steps over 80 lines: {len(hs_over80)}")
for n, f, name in fns[:10]:
    print(f"    {n:4}  {f} {name}")
if "--check" in sys.argv and circles:
    sys.exit(1)
PY
