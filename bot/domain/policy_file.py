"""Reading ``ROLLBACK_POLICY_FILE`` (pure): YAML text in, a ``Policy`` out, or one sentence
naming the key path and the line of the first thing wrong.

The file is composed (``yaml.compose``), not loaded, so that every value keeps its line
and its text as typed: a scalar is judged by what the operator wrote, never by what YAML
1.1 would make of it (``yes`` a boolean, ``1:30`` the number 90, ``0x10`` 16).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.domain.ids import looks_like_id
from bot.domain.policy import DAY, BreakGlass, Policy, Rule
from bot.errors import SettingsError
from bot.settings import parse_ages

SETTING = "ROLLBACK_POLICY_FILE"
MAX_APPROVALS = 10
"""More approvers than this on one rollback is a typo, not a policy."""

# Slack's ids: an uppercase letter naming the kind, then uppercase letters and digits.
_USER_OR_GROUP = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
# App Platform's app spec: "name: pattern: ^[a-z][a-z0-9-]{0,30}[a-z0-9]$".
_APP_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_WHOLE = re.compile(r"^[0-9]+$")

_TOP = ("defaults", "apps", "breakglass")
_DEFAULTS = ("approvals", "approvers", "self_approval")
_APP = ("approvals", "approvers", "channels", "self_approval")
_BREAKGLASS = ("approvers", "review_within")

# libyaml's loader when PyYAML was built with it (ten times faster), with the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_WHO = "a Slack user (U…, W…) or user-group (S…) id"
_WHERE = "a Slack channel id (C…, G…)"


def parse_policy(text: str, *, source: str, fallback: Rule) -> Policy:
    """The policy ``text`` (the file at ``source``) gives; ``fallback`` is the rule the
    settings make, which fills whatever ``defaults`` leaves out. Raises ``SettingsError``."""
    reader = _Reader(source)
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise reader.error(line, f"the file is not valid YAML ({exc.problem})") from None
    except yaml.YAMLError:
        raise reader.error(1, "the file is not valid YAML") from None
    if root is None:
        return Policy(defaults=fallback, source=source)
    top = reader.mapping(root, "", _TOP)
    defaults = reader.rule(top.get("defaults"), "defaults", base=fallback, keys=_DEFAULTS)
    apps: list[tuple[str, Rule]] = []
    for ref, node in reader.mapping(top.get("apps"), "apps", None).items():
        rule = reader.rule(node, f"apps.{ref}", base=defaults, keys=_APP)
        # DigitalOcean writes app ids in lower case; the file may not.
        apps.append((ref.lower() if looks_like_id(ref) else ref, rule))
    breakglass = reader.breakglass(top.get("breakglass"))
    return Policy(defaults=defaults, apps=tuple(apps), breakglass=breakglass, source=source)


def every_id(policy: Policy) -> tuple[str, ...]:
    """Every user and group id the policy names (to know which Slack scopes it needs)."""
    rules = (policy.defaults, *(rule for _, rule in policy.apps))
    return tuple(i for rule in rules for i in rule.approvers) + policy.breakglass.approvers


@dataclass(frozen=True)
class _Reader:
    source: str

    def error(self, line: int, problem: str) -> SettingsError:
        return SettingsError(f"{SETTING} {self.source} line {line}: {problem}.")

    def bad(self, node: Node, problem: str) -> SettingsError:
        return self.error(node.start_mark.line + 1, problem)

    def mapping(
        self, node: Node | None, path: str, keys: tuple[str, ...] | None
    ) -> dict[str, Node]:
        """A mapping's values by key (``keys``: the only ones allowed; None: app refs)."""
        if node is None or _is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            raise self.bad(node, f"{path or 'the file'} must be a mapping of keys to values")
        found: dict[str, Node] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else ""
            here = f"{path}.{name}" if path else name
            if keys is None and not (_APP_NAME.match(name) or looks_like_id(name)):
                raise self.bad(key, f"{here} is not an app name (like checkout-api) or app id")
            if keys is not None and name not in keys:
                known = ", ".join(keys)
                raise self.bad(key, f"{here or 'a key'} is not a known key (known: {known})")
            if name in found:
                raise self.bad(key, f"{here} is given twice")
            found[name] = value
        return found

    def rule(self, node: Node | None, path: str, *, base: Rule, keys: tuple[str, ...]) -> Rule:
        given = self.mapping(node, path, keys)
        approvals = self.approvals(given["approvals"], path) if "approvals" in given else None
        approvers = None
        if "approvers" in given:
            approvers = self.ids(given["approvers"], f"{path}.approvers", _USER_OR_GROUP, _WHO)
        rule = Rule(
            approvals=base.approvals if approvals is None else approvals,
            approvers=base.approvers if approvers is None else approvers,
            self_approval=self.boolean(given, "self_approval", path, base.self_approval),
            channels=self.ids(given["channels"], f"{path}.channels", _CHANNEL, _WHERE)
            if "channels" in given
            else (),
        )
        self.reachable(rule, path, given)
        return rule

    def approvals(self, node: Node, path: str) -> int:
        text = node.value if isinstance(node, ScalarNode) else ""
        if node.tag != "tag:yaml.org,2002:int" or not _WHOLE.match(text):
            text = ""
        if not text or not 1 <= int(text) <= MAX_APPROVALS:
            raise self.bad(
                node, f"{path}.approvals must be a whole number from 1 to {MAX_APPROVALS}"
            )
        return int(text)

    def reachable(self, rule: Rule, path: str, given: dict[str, Node]) -> None:
        """Refuse a count that the listed people could never give: with no group listed,
        only the users named can approve."""
        users = [i for i in rule.approvers if not i.startswith("S")]
        if not rule.approvers or len(users) < len(rule.approvers) or len(users) >= rule.approvals:
            return
        key = "approvals" if "approvals" in given else "approvers"
        node = given.get(key)
        line = node.start_mark.line + 1 if node is not None else 1
        raise self.error(
            line,
            f"{path}.approvals is {rule.approvals}, but its approvers name only "
            f"{len(users)} {'person' if len(users) == 1 else 'people'} and no user group, "
            "so it could never be met",
        )

    def ids(self, node: Node, path: str, shape: re.Pattern[str], what: str) -> tuple[str, ...]:
        if not isinstance(node, SequenceNode):
            raise self.bad(node, f"{path} must be a list, like [{_EXAMPLE[shape.pattern]}]")
        found: list[str] = []
        for item in node.value:
            text = item.value if isinstance(item, ScalarNode) else ""
            if not shape.match(text):
                shown = f"`{text[:40]}`" if text else "an entry"
                raise self.bad(item, f"{path} has {shown}, which is not {what}")
            if text in found:
                raise self.bad(item, f"{path} lists {text} twice")
            found.append(text)
        return tuple(found)

    def boolean(self, given: dict[str, Node], key: str, path: str, default: bool) -> bool:
        node = given.get(key)
        if node is None:
            return default
        text = node.value.lower() if isinstance(node, ScalarNode) else ""
        # YAML 1.1 reads yes/no/on/off as booleans too; a policy says exactly true or false,
        # so that `self_approval: no` and a misspelt `noo` cannot mean different things.
        if node.tag != "tag:yaml.org,2002:bool" or text not in {"true", "false"}:
            raise self.bad(node, f"{path}.{key} must be true or false (not yes, no, on or off)")
        return text == "true"

    def breakglass(self, node: Node | None) -> BreakGlass:
        given = self.mapping(node, "breakglass", _BREAKGLASS)
        approvers: tuple[str, ...] = ()
        if "approvers" in given:
            approvers = self.ids(given["approvers"], "breakglass.approvers", _USER_OR_GROUP, _WHO)
        within = given.get("review_within")
        return BreakGlass(
            approvers=approvers, review_within=DAY if within is None else self.age(within)
        )

    def age(self, node: Node) -> float:
        text = node.value if isinstance(node, ScalarNode) else ""
        problem = "breakglass.review_within must be one age, like 24h or 90m (s, m, h or d)"
        try:
            ages = parse_ages(text) if "," not in text else ()
        except ValueError:
            ages = ()
        if len(ages) != 1:
            raise self.bad(node, problem)
        return ages[0]


_EXAMPLE = {_USER_OR_GROUP.pattern: "S0SRE, U0LEAD", _CHANNEL.pattern: "C0PAY"}


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"
