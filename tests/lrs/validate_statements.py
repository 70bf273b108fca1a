#!/usr/bin/env python3
"""Validate xAPI 1.0.3 statements with Ralph's (ralph-malph 5.1.0) pydantic models.

    "$VENV/bin/python" tests/lrs/validate_statements.py FILE      # or '-' / nothing: stdin
    "$VENV/bin/python" tests/lrs/validate_statements.py --ralph-only FILE

Input: a JSON array of statements, a single statement object, or a StatementResult
({"statements": [...]}, e.g. the body of GET /xAPI/statements).

Each statement is checked in three layers; errors name the layer:

  [ralph]    ralph.models.xapi.base.statements.BaseXapiStatement, Ralph's model of a
             generic xAPI statement, used as Ralph itself uses it (`ralph validate`):
             unknown properties are forbidden everywhere except in extensions, no empty
             values ("", {}, null) outside extensions, IRIs (RFC 3987), UUIDs, RFC 5646
             language tags, interaction definitions, scaled score in [-1, 1], version 1.0.x.
  [ralph:<Model>]  if the statement matches the selector of one of Ralph's profile models
             (ralph.models.xapi: video, virtual classroom, LMS, navigation), that model too
             (the same selection `ralph validate -f xapi` makes). Plain ADL statements such
             as this project's match none of them.
  [project]  what Ralph's lax parsing lets through but this project relies on (skip with
             --ralph-only): timestamps are RFC 3339 strings with a timezone, durations ISO
             8601 strings, scores JSON numbers with min <= raw <= max, a lower-case canonical
             statement id and registration (Ralph's ?registration= filter compares text),
             BCP 47 shaped language-map keys, passed => success true, failed => success
             false, cmi.interaction definitions complete (choice ids cover the response).
  [cmi5]     only for statements whose context.contextActivities.category holds the cmi5
             category activity (they claim to be "cmi5 defined"): session id extension,
             account actor, the cmi5 result rules and the moveOn category rule.

Prints `OK <n>` and exits 0 when every statement passes; otherwise prints one line per
error, `statement[<index>] <verb>: <path>: <message> [<layer>]`, then `FAILED <k> of <n>`,
and exits 1. Exit 2: unreadable input or not JSON, or ralph not importable.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, Iterable

try:
    from pydantic import ValidationError
    from ralph.exceptions import UnknownEventException
    from ralph.models.selector import ModelSelector
    from ralph.models.xapi.base.statements import BaseXapiStatement
except ImportError as error:  # pragma: no cover
    print(f"validate_statements: {error}: run with the python of the venv made by "
          ".ci/lrs-setup", file=sys.stderr)
    sys.exit(2)

ADL = "http://adlnet.gov/expapi/verbs/"
CMI_INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
CMI5_SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
CMI5_DEFINED_VERBS = {
    ADL + v for v in ("launched", "initialized", "completed", "passed", "failed",
                      "terminated", "satisfied")
} | {"https://w3id.org/xapi/adl/verbs/abandoned", "https://w3id.org/xapi/adl/verbs/waived"}

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ISO_DURATION = re.compile(
    r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
CANONICAL_UUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
LANGUAGE_MAP_KEYS = {"display", "name", "description"}
UNION_TAG = re.compile(r"^[A-Z][A-Za-z0-9]+$")

_SELECTOR: ModelSelector | None = None


def selector() -> ModelSelector:
    global _SELECTOR
    if _SELECTOR is None:
        _SELECTOR = ModelSelector("ralph.models.xapi")
    return _SELECTOR


# ---------------------------------------------------------------------------- ralph


def _reduce_union_errors(errors: list[dict]) -> list[dict]:
    """Keep, for each union (e.g. the four kinds of Agent), the branch that came closest.

    Pydantic reports every branch of a failed union; the branch with the fewest errors is
    almost always the one the statement meant (an `account` agent, not an `mbox` one).
    """
    first_tag: dict[tuple, list[tuple[str, dict]]] = {}
    untagged = []
    for err in errors:
        loc = tuple(err["loc"])
        idx = next((i for i, part in enumerate(loc)
                    if isinstance(part, str) and UNION_TAG.match(part)), None)
        if idx is None:
            untagged.append(err)
        else:
            first_tag.setdefault(loc[:idx], []).append((loc[idx], err))
    out = list(untagged)
    for prefix, tagged in first_tag.items():
        branches: dict[str, list[dict]] = {}
        for tag, err in tagged:
            loc = tuple(err["loc"])
            stripped = {**err, "loc": prefix + loc[len(prefix) + 1:], "branch": tag}
            branches.setdefault(tag, []).append(stripped)
        best = min(branches.values(), key=lambda errs: len(_reduce_union_errors(errs)))
        out.extend(_reduce_union_errors(best))
    return out


def _format_loc(loc: Iterable[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(statement)"


def ralph_errors(statement: dict, layer: str, model) -> list[tuple[str, str, str]]:
    try:
        model.model_validate(statement)
    except ValidationError as exc:
        out = []
        for err in _reduce_union_errors(exc.errors()):
            msg = err["msg"]
            if err.get("branch"):
                msg += f" (as {err['branch']})"
            out.append((_format_loc(err["loc"]), msg, layer))
        return out
    return []


def profile_model(statement: dict):
    try:
        models = selector().get_models(statement)
    except UnknownEventException:
        return None
    return models[0] if models else None


# ---------------------------------------------------------------------------- project


def _walk_language_maps(node: Any, path: str, out: list):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "extensions":
                continue
            sub = f"{path}.{key}" if path else key
            if key in LANGUAGE_MAP_KEYS and isinstance(value, dict):
                for tag in value:
                    if not LANGUAGE_TAG.match(str(tag)):
                        out.append((f"{sub}.{tag}", "language-map key is not a BCP 47 "
                                    "language tag (e.g. en-US, zh-CN)", "project"))
            _walk_language_maps(value, sub, out)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _walk_language_maps(item, f"{path}[{i}]", out)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _category_ids(statement: dict) -> list[str]:
    ctx = statement.get("context")
    if not isinstance(ctx, dict):
        return []
    acts = ctx.get("contextActivities")
    if not isinstance(acts, dict):
        return []
    cat = acts.get("category")
    cat = [cat] if isinstance(cat, dict) else (cat or [])
    return [a.get("id") for a in cat if isinstance(a, dict)]


def project_errors(statement: dict) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []

    def err(path: str, msg: str) -> None:
        out.append((path, msg, "project"))

    sid = statement.get("id")
    if sid is None:
        err("id", "missing: statements carry their own id so that a re-send is idempotent")
    elif not (isinstance(sid, str) and CANONICAL_UUID.match(sid)):
        err("id", f"{sid!r} is not a lower-case canonical UUID")

    for path, value in (("timestamp", statement.get("timestamp")),
                        ("stored", statement.get("stored")),
                        ("object.timestamp", (statement.get("object") or {}).get("timestamp")
                         if isinstance(statement.get("object"), dict) else None)):
        if value is not None and not (isinstance(value, str) and RFC3339.match(value)):
            err(path, f"{value!r} is not an RFC 3339 date-time with a timezone "
                      "(e.g. 2025-03-01T09:15:12Z)")
    if "timestamp" not in statement:
        err("timestamp", "missing: the LRS would use its own storage time")

    ctx = statement.get("context")
    if isinstance(ctx, dict) and "registration" in ctx:
        reg = ctx["registration"]
        if not (isinstance(reg, str) and CANONICAL_UUID.match(reg)):
            err("context.registration", f"{reg!r} is not a lower-case canonical UUID "
                                        "(?registration= queries compare text)")

    result = statement.get("result")
    verb = (statement.get("verb") or {}).get("id") if isinstance(statement.get("verb"), dict) else None
    if isinstance(result, dict):
        if "duration" in result:
            d = result["duration"]
            if not (isinstance(d, str) and ISO_DURATION.match(d)):
                err("result.duration", f"{d!r} is not an ISO 8601 duration (e.g. PT3M12S)")
        score = result.get("score")
        if isinstance(score, dict):
            for key in ("scaled", "raw", "min", "max"):
                if key in score and not _is_number(score[key]):
                    err(f"result.score.{key}", f"{score[key]!r} is not a JSON number")
            nums = {k: score[k] for k in ("raw", "min", "max") if _is_number(score.get(k))}
            if "min" in nums and "raw" in nums and nums["raw"] < nums["min"]:
                err("result.score", "raw is less than min")
            if "max" in nums and "raw" in nums and nums["raw"] > nums["max"]:
                err("result.score", "raw is greater than max")
            if "min" in nums and "max" in nums and nums["min"] > nums["max"]:
                err("result.score", "min is greater than max")
    if verb == ADL + "passed" and not (isinstance(result, dict) and result.get("success") is True):
        err("result.success", "a passed statement has result.success = true")
    if verb == ADL + "failed" and not (isinstance(result, dict) and result.get("success") is False):
        err("result.success", "a failed statement has result.success = false")

    obj = statement.get("object")
    definition = obj.get("definition") if isinstance(obj, dict) else None
    if isinstance(definition, dict) and definition.get("type") == CMI_INTERACTION:
        kind = definition.get("interactionType")
        if kind is None:
            err("object.definition.interactionType", "missing for a cmi.interaction")
        if kind == "choice":
            choices = definition.get("choices")
            ids = {c.get("id") for c in choices if isinstance(c, dict)} if isinstance(choices, list) else set()
            if not ids:
                err("object.definition.choices", "a choice interaction lists its choices")
            response = result.get("response") if isinstance(result, dict) else None
            if isinstance(response, str) and ids:
                unknown = [r for r in response.split("[,]") if r not in ids]
                if unknown:
                    err("result.response", f"{unknown} not among the choices' ids")
            for i, pattern in enumerate(definition.get("correctResponsesPattern") or []):
                if isinstance(pattern, str) and ids:
                    unknown = [r for r in pattern.split("[,]") if r and r not in ids]
                    if unknown:
                        err(f"object.definition.correctResponsesPattern[{i}]",
                            f"{unknown} not among the choices' ids")

    _walk_language_maps(statement, "", out)
    return out


# ---------------------------------------------------------------------------- cmi5


def cmi5_errors(statement: dict) -> list[tuple[str, str, str]]:
    categories = _category_ids(statement)
    out: list[tuple[str, str, str]] = []

    def err(path: str, msg: str) -> None:
        out.append((path, msg, "cmi5"))

    cat_path = "context.contextActivities.category"
    if CMI5_CATEGORY not in categories:
        if MOVEON_CATEGORY in categories:
            err(cat_path, "the moveOn category is only for cmi5 defined statements")
        return out
    verb = (statement.get("verb") or {}).get("id")
    result = statement.get("result") if isinstance(statement.get("result"), dict) else {}
    ctx = statement.get("context") or {}
    if verb not in CMI5_DEFINED_VERBS:
        err("verb.id", f"{verb} is not a cmi5 defined verb: drop the cmi5 category")
    if CMI5_SESSION_ID not in (ctx.get("extensions") or {}):
        err("context.extensions", f"cmi5 defined statements carry {CMI5_SESSION_ID} "
                                  "(the session id an LMS hands over at launch)")
    if not isinstance((statement.get("actor") or {}).get("account"), dict):
        err("actor", "cmi5 defined statements identify the actor by an account")
    if "score" in result and verb not in (ADL + "passed", ADL + "failed"):
        err("result.score", "only passed/failed cmi5 defined statements may carry a score")
    if "success" in result and verb not in (ADL + "passed", ADL + "failed",
                                            "https://w3id.org/xapi/adl/verbs/waived"):
        err("result.success", "only passed/failed/waived may carry success")
    if "completion" in result and verb not in (ADL + "completed",
                                               "https://w3id.org/xapi/adl/verbs/waived"):
        err("result.completion", "only completed/waived may carry completion")
    if verb in (ADL + "terminated", ADL + "completed", ADL + "passed", ADL + "failed") \
            and "duration" not in result:
        err("result.duration", "required in terminated/completed/passed/failed")
    needs_moveon = "success" in result or "completion" in result
    if needs_moveon and MOVEON_CATEGORY not in categories:
        err(cat_path, f"a result with success/completion needs the {MOVEON_CATEGORY} category")
    if not needs_moveon and MOVEON_CATEGORY in categories:
        err(cat_path, "the moveOn category is only for results with success/completion")
    return out


# ---------------------------------------------------------------------------- main


def validate(statements: list, ralph_only: bool = False) -> tuple[list[str], list[str]]:
    """Return (error lines, info lines)."""
    lines, info = [], []
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict):
            lines.append(f"statement[{index}]: (statement): not a JSON object [input]")
            continue
        verb = statement.get("verb", {}).get("id") if isinstance(statement.get("verb"), dict) else None
        label = f"statement[{index}] {str(verb).rsplit('/', 1)[-1] if verb else '?'}"
        errors = ralph_errors(statement, "ralph", BaseXapiStatement)
        model = profile_model(statement)
        if model is not None:
            errors += ralph_errors(statement, f"ralph:{model.__name__}", model)
            info.append(f"{label}: also matches Ralph's {model.__name__}")
        if not ralph_only:
            errors += project_errors(statement) + cmi5_errors(statement)
        for path, msg, layer in errors:
            lines.append(f"{label}: {path}: {msg} [{layer}]")
    return lines, info


def load(source: str) -> list:
    try:
        text = sys.stdin.read() if source == "-" else open(source, encoding="utf8").read()
    except OSError as error:
        raise SystemExit(f"validate_statements: cannot read {source}: {error}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SystemExit(f"validate_statements: {source} is not JSON: {error}") from error
    if isinstance(data, dict) and isinstance(data.get("statements"), list):
        return data["statements"]
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise SystemExit(f"validate_statements: {source}: expected a JSON array of statements")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", default="-", help="JSON file ('-' = stdin)")
    parser.add_argument("--ralph-only", action="store_true",
                        help="only Ralph's models (no [project]/[cmi5] checks)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also say which Ralph profile models matched")
    args = parser.parse_args(argv)
    try:
        statements = load(args.file)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    if not statements:
        print("validate_statements: no statements", file=sys.stderr)
        return 2
    lines, info = validate(statements, args.ralph_only)
    if args.verbose:
        for line in info:
            print(line)
    if not lines:
        print(f"OK {len(statements)}")
        return 0
    for line in lines:
        print(line)
    failed = len({line.split(":", 1)[0].split(" ")[0] for line in lines})
    print(f"FAILED {failed} of {len(statements)}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
