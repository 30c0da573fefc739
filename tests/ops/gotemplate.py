"""A small Go text/template renderer: the subset the Helm chart in deploy/helm uses, so that
tests can render the chart without the `helm` binary (none installs from the registries this
project uses). Anything outside the subset raises, so a chart that grows past it fails loudly
instead of rendering wrongly.

Supported: `{{- -}}` trimming, `$x := pipeline`, `range $k, $v := pipeline`, `if` / `else if`
/ `else` / `end`, fields (`.Values.a.b`, `$root.Release.Name`), string and integer literals,
the functions `dict`, `eq`, `not`, `default` and the pipe `| quote`."""
from __future__ import annotations

import json
import re
import shlex

_ACTION = re.compile(r"{{(-?)\s*(.*?)\s*(-?)}}", re.S)


class TemplateError(ValueError):
    pass


def _tokens(src: str):
    pos, out = 0, []
    for m in _ACTION.finditer(src):
        text = src[pos:m.start()]
        if m.group(1):
            text = text.rstrip()
        if out and out[-1][0] == "trim_next":
            out.pop()
            text = text.lstrip()
        out.append(("text", text))
        out.append(("action", m.group(2)))
        if m.group(3):
            out.append(("trim_next", ""))
        pos = m.end()
    text = src[pos:]
    if out and out[-1][0] == "trim_next":
        out.pop()
        text = text.lstrip()
    out.append(("text", text))
    return out


def _parse(tokens, i=0, stop=("end",)):
    """[(kind, ...)] nodes until an `end`/`else` action; returns (nodes, index, stopper)."""
    nodes = []
    while i < len(tokens):
        kind, body = tokens[i]
        i += 1
        if kind == "text":
            if body:
                nodes.append(("text", body))
            continue
        word = body.split(None, 1)[0] if body else ""
        if word in ("end", "else"):
            return nodes, i, body
        if word == "if":
            branches, default = [], []
            cond = body[2:].strip()
            while True:
                inner, i, stopper = _parse(tokens, i)
                branches.append((cond, inner))
                if stopper == "end":
                    break
                if stopper.startswith("else if "):
                    cond = stopper[len("else if "):].strip()
                    continue
                default, i, stopper = _parse(tokens, i)
                if stopper != "end":
                    raise TemplateError(f"unexpected {stopper!r}")
                break
            nodes.append(("if", branches, default))
        elif word == "range":
            m = re.fullmatch(r"range\s+\$(\w+)\s*,\s*\$(\w+)\s*:=\s*(.+)", body, re.S)
            if not m:
                raise TemplateError(f"unsupported range: {body!r}")
            inner, i, stopper = _parse(tokens, i)
            if stopper != "end":
                raise TemplateError("range with else is not supported")
            nodes.append(("range", m.group(1), m.group(2), m.group(3), inner))
        elif re.match(r"^\$\w+\s*:=", body):
            name, expr = body.split(":=", 1)
            nodes.append(("set", name.strip()[1:], expr.strip()))
        elif body.startswith("/*"):
            continue
        else:
            nodes.append(("out", body))
    return nodes, i, None


def _field(value, path: list[str]):
    for part in path:
        if not isinstance(value, dict) or part not in value:
            raise TemplateError(f"no field {part!r} (in .{'.'.join(path)})")
        value = value[part]
    return value


def _term(tok: str, dot, scope: dict):
    if tok.startswith('"'):
        return json.loads(tok)
    if re.fullmatch(r"-?\d+", tok):
        return int(tok)
    if tok == ".":
        return dot
    if tok.startswith("."):
        return _field(dot, tok[1:].split("."))
    if tok.startswith("$"):
        name, *path = tok[1:].split(".")
        if name not in scope:
            raise TemplateError(f"undefined variable ${name}")
        return _field(scope[name], path)
    raise TemplateError(f"unsupported term {tok!r}")


def _truthy(v) -> bool:
    return v not in (None, False, 0, "") and v != {} and v != []


def _call(words: list[str], dot, scope, piped=None):
    fn, args = words[0], [_term(w, dot, scope) for w in words[1:]]
    if piped is not None:
        args.append(piped)
    if fn == "dict":
        return {args[i]: args[i + 1] for i in range(0, len(args), 2)}
    if fn == "eq":
        return args[0] == args[1]
    if fn == "not":
        return not _truthy(args[0])
    if fn == "default":
        return args[1] if _truthy(args[1]) else args[0]
    if fn == "quote":
        return json.dumps(str(args[0]))
    if len(words) == 1 and piped is None:
        return _term(fn, dot, scope)
    raise TemplateError(f"unsupported function {fn!r}")


def _eval(expr: str, dot, scope):
    value = None
    for n, stage in enumerate(expr.split("|")):
        words = shlex.split(stage.strip(), posix=False)
        value = _call(words, dot, scope, value if n else None)
    return value


def _show(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def _run(nodes, dot, scope, out: list[str]):
    for node in nodes:
        kind = node[0]
        if kind == "text":
            out.append(node[1])
        elif kind == "out":
            out.append(_show(_eval(node[1], dot, scope)))
        elif kind == "set":
            scope[node[1]] = _eval(node[2], dot, scope)
        elif kind == "if":
            for cond, inner in node[1]:
                if _truthy(_eval(cond, dot, scope)):
                    _run(inner, dot, scope, out)
                    break
            else:
                _run(node[2], dot, scope, out)
        elif kind == "range":
            _, k, v, expr, inner = node
            seq = _eval(expr, dot, scope)
            items = sorted(seq.items()) if isinstance(seq, dict) else list(enumerate(seq))
            for key, val in items:
                _run(inner, val, {**scope, k: key, v: val}, out)


def render(src: str, data: dict) -> str:
    nodes, i, stopper = _parse(_tokens(src))
    if stopper is not None:
        raise TemplateError(f"unbalanced {stopper!r}")
    out: list[str] = []
    _run(nodes, data, {}, out)
    return "".join(out)
