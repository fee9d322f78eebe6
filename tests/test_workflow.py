"""The shipped GitHub Actions workflow, replayed step by step in temporary git repositories.

Issue 11, requirement 3: the workflow must push whatever it committed even when a source
failed, and must never save a state newer than what was pushed (a fresh checkout would
then lack posts that the cached store thinks written).

The replay reads the workflow from the repository as GitHub does and runs its steps as a
runner would: ``actions/checkout`` is a fresh shallow ``git clone`` of a bare remote;
``actions/cache/restore`` and ``actions/cache/save`` copy the cached path to and from a
cache folder (exact key, else the newest entry matching a restore key); the Python set-up
and install steps are skipped (newsmirror is installed in this interpreter's environment);
every ``run:`` step runs as ``bash -e {0}`` with ``GITHUB_OUTPUT`` set to a file. ``if:``
conditions are evaluated as GitHub does: without a status function a step runs only when
every step before it succeeded; ``always()``, ``success()``, ``failure()``; ``steps.ID.
outputs.NAME`` / ``.outcome`` / ``.conclusion``; GitHub's loose ``==`` / ``!=``. Anything
the replay does not model (another action, another shell, an unknown function or
context) fails the test instead of being guessed.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import need_tool
from httpfixtures import LoopbackServer
from newsmirror.site import WORKFLOW_PATH, write_scaffold

BIN = Path(sys.executable).parent  # where pip put the newsmirror command
STATUS_FUNCTIONS = ("success", "failure", "always", "cancelled")


# --- GitHub expressions ---------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    (?P<op>\|\||&&|==|!=|<=|>=|<|>|!|\(|\)|,)
  | '(?P<str>(?:[^']|'')*)'
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)
)""", re.VERBOSE)


def tokens(text: str) -> list[tuple[str, Any]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise NotImplementedError(f"the replay cannot read the expression {text!r}")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            value = value.replace("''", "'")
        elif kind == "num":
            value = float(value)
        out.append((kind, value))
    return out


def _number(v: Any) -> float:
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, float):
        return v
    s = str(v).strip()
    if s == "":
        return 0.0
    try:
        return float(int(s, 0)) if s.lower().startswith(("0x", "0o")) else float(s)
    except ValueError:
        return math.nan


def loose_equal(a: Any, b: Any) -> bool:
    """GitHub's ``==``: strings compare case-insensitively, other mixes as numbers."""
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if type(a) is type(b) and not isinstance(a, float):
        return a == b
    return _number(a) == _number(b)  # NaN is equal to nothing


def truthy(v: Any) -> bool:
    if isinstance(v, float):
        return not (v == 0 or math.isnan(v))
    return v not in (None, False, "")


class Expression:
    """A recursive-descent evaluator for the part of the expression syntax workflows use."""

    def __init__(self, text: str, lookup, functions) -> None:
        self.toks = tokens(text)
        self.i = 0
        self.lookup, self.functions = lookup, functions

    def value(self) -> Any:
        v = self.or_()
        if self.i != len(self.toks):
            raise NotImplementedError(f"unexpected {self.toks[self.i]!r}")
        return v

    def peek(self) -> tuple[str, Any] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, op: str) -> bool:
        if self.peek() == ("op", op):
            self.i += 1
            return True
        return False

    def or_(self) -> Any:
        v = self.and_()
        while self.take("||"):
            right = self.and_()
            v = v if truthy(v) else right
        return v

    def and_(self) -> Any:
        v = self.unary()
        while self.take("&&"):
            right = self.unary()
            v = right if truthy(v) else v
        return v

    def unary(self) -> Any:
        if self.take("!"):
            return not truthy(self.unary())
        left = self.primary()
        for op in ("==", "!="):
            if self.take(op):
                equal = loose_equal(left, self.primary())
                return equal if op == "==" else not equal
        if self.peek() in (("op", o) for o in ("<", ">", "<=", ">=")):
            raise NotImplementedError("ordering comparisons")
        return left

    def primary(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise NotImplementedError("expression ends early")
        self.i += 1
        kind, value = tok
        if tok == ("op", "("):
            v = self.or_()
            assert self.take(")"), "unbalanced parentheses"
            return v
        if kind in ("str", "num"):
            return value
        if kind == "name":
            if value in ("true", "false"):
                return value == "true"
            if value == "null":
                return None
            if self.take("("):
                if not self.take(")") or value not in self.functions:
                    raise NotImplementedError(f"function {value}()")
                return self.functions[value]()
            return self.lookup(value)
        raise NotImplementedError(f"unexpected {tok!r}")


def as_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else str(v)
    return str(v)


# --- the runner ---------------------------------------------------------------------------

@dataclass
class StepResult:
    name: str
    outcome: str  # success, failure, skipped
    conclusion: str
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""


@dataclass
class JobResult:
    conclusion: str
    steps: list[StepResult]
    events: list[str]  # "push ok", "push failed", "cache save", "cache restore"

    def step(self, name: str) -> StepResult:
        [found] = [s for s in self.steps if s.name == name]
        return found

    def log(self) -> str:
        return "\n".join(f"== {s.name}: {s.outcome}\n{s.log}" for s in self.steps)


@dataclass
class Runner:
    """One repository's runs: its bare remote and its Actions cache."""

    remote: Path
    cache: Path
    work: Path
    runs: int = 0
    cache_keys: list[str] = field(default_factory=list)  # oldest first

    def workflow(self) -> dict:
        text = git(self.remote, "show", f"main:{WORKFLOW_PATH}")
        return yaml.safe_load(text)

    def run(self) -> JobResult:
        self.runs += 1
        run_id = str(1000 + self.runs)
        workspace = self.work / f"run-{self.runs}" / "repo"
        home = workspace.parent / "home"
        home.mkdir(parents=True)
        wf = self.workflow()
        [job] = wf["jobs"].values()
        assert "defaults" not in job and "defaults" not in wf, "not modelled"
        results: list[StepResult] = []
        by_id: dict[str, StepResult] = {}
        events: list[str] = []
        github = {"run_id": run_id, "ref": "refs/heads/main", "workspace": str(workspace),
                  "event_name": "schedule", "repository": "owner/mirror"}

        def lookup(path: str) -> Any:
            head, *rest = path.split(".")
            if head == "github" and len(rest) == 1 and rest[0] in github:
                return github[rest[0]]
            if head == "vars" and len(rest) == 1:
                return None  # no repository variables set
            if head == "runner" and rest == ["os"]:
                return "Linux"
            if head == "steps" and len(rest) >= 2:
                step = by_id.get(rest[0])
                if step is None:
                    return None
                if rest[1] == "outputs" and len(rest) == 3:
                    return step.outputs.get(rest[2])
                if rest[1] in ("outcome", "conclusion") and len(rest) == 2:
                    return getattr(step, rest[1])
            raise NotImplementedError(f"context {path}")

        def failed() -> bool:
            return any(s.conclusion == "failure" for s in results)

        functions = {"success": lambda: not failed(), "failure": failed,
                     "always": lambda: True, "cancelled": lambda: False}

        def evaluate(text: str) -> Any:
            return Expression(text, lookup, functions).value()

        def interpolate(value: Any) -> str:
            return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_text(evaluate(m.group(1))),
                          as_text(value))

        def condition(step: dict) -> bool:
            text = str(step.get("if", "success()")).strip()
            m = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
            text = m.group(1) if m else text
            if not any(re.search(rf"\b{f}\s*\(", text) for f in STATUS_FUNCTIONS):
                text = f"success() && ({text})"
            return truthy(evaluate(text))

        env_base = self._env(workspace, home, run_id)
        for key, value in {**wf.get("env", {}), **job.get("env", {})}.items():
            env_base[key] = interpolate(value)
        for step in job["steps"]:
            name = step.get("name") or step.get("uses") or step["run"].splitlines()[0]
            if not condition(step):
                result = StepResult(name, "skipped", "skipped")
            else:
                env = dict(env_base)
                env.update({k: interpolate(v) for k, v in step.get("env", {}).items()})
                with_ = {k: interpolate(v) for k, v in step.get("with", {}).items()}
                if "uses" in step:
                    ok, outputs, log = self._action(step["uses"], with_, workspace, events)
                else:
                    ok, outputs, log = self._script(step, interpolate(step["run"]), env,
                                                    workspace)
                outcome = "success" if ok else "failure"
                conclusion = "success" if ok or step.get("continue-on-error") else "failure"
                result = StepResult(name, outcome, conclusion, outputs, log)
                if "git push" in step.get("run", ""):
                    events.append("push ok" if ok else "push failed")
            results.append(result)
            if "id" in step:
                by_id[step["id"]] = result
        conclusion = "failure" if failed() else "success"
        return JobResult(conclusion, results, events)

    def _env(self, workspace: Path, home: Path, run_id: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GIT_"))}
        env.update({
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "HOME": str(home),  # no global git configuration of this machine
            "GIT_CONFIG_NOSYSTEM": "1",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_RUN_ID": run_id,
            "LC_ALL": "C.UTF-8",
        })
        return env

    def _script(self, step: dict, script: str, env: dict[str, str],
                workspace: Path) -> tuple[bool, dict[str, str], str]:
        assert step.get("shell", "bash") == "bash", "only bash is modelled"
        if "pip install" in script:  # the install step: newsmirror is installed already
            assert shutil.which("newsmirror", path=env["PATH"]), "newsmirror is not installed"
            return True, {}, "(skipped by the replay: newsmirror is installed)"
        tmp = workspace.parent / f"step-{len(os.listdir(workspace.parent))}"
        tmp.mkdir()
        script_file, output_file = tmp / "script.sh", tmp / "output"
        script_file.write_text(script, encoding="utf-8")
        output_file.write_text("", encoding="utf-8")
        env = {**env, "GITHUB_OUTPUT": str(output_file)}
        cwd = workspace / step.get("working-directory", ".")
        # GitHub's default for `run:` without a shell on Linux: bash -e {0}
        done = subprocess.run(["bash", "-e", str(script_file)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)
        outputs = parse_outputs(output_file.read_text(encoding="utf-8"))
        return done.returncode == 0, outputs, done.stdout + done.stderr

    def _action(self, uses: str, with_: dict[str, str], workspace: Path,
                events: list[str]) -> tuple[bool, dict[str, str], str]:
        action = uses.split("@", 1)[0]
        if action == "actions/checkout":
            assert not with_, f"checkout inputs are not modelled: {with_}"
            done = subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "main",
                                   self.remote.as_uri(), str(workspace)],
                                  capture_output=True, text=True)
            return done.returncode == 0, {}, done.stderr
        if action == "actions/setup-python":
            return True, {}, "(skipped by the replay)"
        if action in ("actions/cache/restore", "actions/cache/save"):
            path = with_["path"].strip()
            assert "\n" not in path and "*" not in path, "one plain path is modelled"
            target = workspace / path
            if action == "actions/cache/save":
                if not target.is_file():
                    return True, {}, "warning: nothing to save"
                if with_["key"] in self.cache_keys:  # GitHub keeps the first: a warning
                    return True, {}, "warning: cache key exists"
                shutil.copy2(target, self.cache / with_["key"])
                self.cache_keys.append(with_["key"])
                events.append("cache save")
                return True, {}, f"saved {with_['key']}"
            key = with_["key"]
            prefixes = [p.strip() for p in with_.get("restore-keys", "").splitlines() if p.strip()]
            found = key if key in self.cache_keys else next(
                (k for p in prefixes for k in reversed(self.cache_keys) if k.startswith(p)),
                None)
            if found is None:
                return True, {"cache-hit": "false"}, "cache not found"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.cache / found, target)
            events.append("cache restore")
            return True, {"cache-hit": as_text(found == key), "cache-matched-key": found}, found
        raise NotImplementedError(f"the replay does not model {uses}")


def parse_outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        eq, heredoc = line.find("="), line.find("<<")
        if heredoc > 0 and (eq < 0 or heredoc < eq):
            name, delimiter = line[:heredoc], line[heredoc + 2:]
            end = lines.index(delimiter, i + 1)
            out[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if eq > 0:
            out[line[:eq]] = line[eq + 1:]
        i += 1
    return out


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_AUTHOR_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.com"})
    return subprocess.run(["git", "-c", "core.quotePath=false", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=True).stdout


# --- the scenario ---------------------------------------------------------------------------

def rss(n: int, key: str) -> str:
    items = "".join(
        f"<item><title>Good news {i}</title><link>https://news.example/{key}/{i}</link>"
        f"<guid>{key}-{i}</guid><pubDate>0{i} Jun 2024 08:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Article {i} of the good source.&lt;/p&gt;</description></item>"
        for i in range(1, n + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>good</title><link>https://news.example/</link>{items}</channel></rss>")


@dataclass
class Mirror:
    runner: Runner
    server: LoopbackServer
    key: str
    broken: str  # the failing source's path on the server

    def serve_good(self, n: int) -> None:
        self.server.put(f"{self.key}/good.xml", rss(n, self.key))

    def reject_pushes(self, reject: bool) -> None:
        hook = self.runner.remote / "hooks" / "pre-receive"
        if reject:
            hook.write_text("#!/bin/sh\necho 'push refused by the test' >&2\nexit 1\n")
            hook.chmod(0o755)
        else:
            hook.unlink()

    def remote_articles(self) -> Counter[str]:
        """How many posts of the remote's main branch link each article."""
        names = git(self.runner.remote, "ls-tree", "-r", "--name-only", "main", "_posts")
        found: Counter[str] = Counter()
        for name in names.splitlines():
            text = git(self.runner.remote, "show", f"main:{name}")
            [url] = re.findall(r"^from: (.*)$", text, re.M)
            found[url] += 1
        return found

    def good_articles(self, n: int) -> Counter[str]:
        return Counter({f"https://news.example/{self.key}/{i}": 1 for i in range(1, n + 1)})


@pytest.fixture
def mirror(tmp_path: Path, http_server: LoopbackServer, request) -> Mirror:
    need_tool("newsmirror", str(BIN / "newsmirror"))  # pip install -e puts it beside python
    need_tool("git")
    key = f"wf-{request.node.name.removeprefix('test_')[:20]}"
    broken = f"/flaky/{key}"  # HTTP 500 for its first 99 requests
    site = tmp_path / "site"
    write_scaffold(site, title="Workflow mirror", timezone="UTC")
    (site / "newsmirror.toml").write_text(
        '[site]\ntimezone = "UTC"\nretries = 0\n\n'
        f'[[sources]]\nname = "good"\nurl = "{http_server.url(f"/doc/{key}/good.xml")}"\n'
        'full_text = "never"\n\n'
        f'[[sources]]\nname = "broken"\nurl = "{http_server.url(broken)}?fail=99"\n'
        'full_text = "never"\n', encoding="utf-8")
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "-qm", "scaffold")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(site), str(remote))
    (tmp_path / "cache").mkdir()
    runner = Runner(remote, tmp_path / "cache", tmp_path / "runs")
    return Mirror(runner, http_server, key, broken)


def assert_no_cache_newer_than_the_remote(job: JobResult) -> None:
    """The store may be cached only after what it knows of was pushed."""
    for n, event in enumerate(job.events):
        if event == "cache save":
            assert "push ok" in job.events[:n], job.events


def test_a_failed_push_loses_and_duplicates_no_post(mirror: Mirror):
    """Run 1: the good source writes 3 posts and commits them, the broken one fails, and
    the push is refused. Run 2 (fresh checkout, pushes allowed, 2 more articles): the
    remote ends with every article of the good source exactly once."""
    mirror.serve_good(3)
    mirror.reject_pushes(True)
    first = mirror.runner.run()
    assert first.step("Check out").outcome == "success", first.log()
    assert "push ok" not in first.events, first.log()  # refused (or never tried)
    assert first.conclusion == "failure"
    assert mirror.remote_articles() == Counter()  # nothing reached the remote
    assert_no_cache_newer_than_the_remote(first)

    mirror.reject_pushes(False)
    mirror.serve_good(5)
    second = mirror.runner.run()
    assert mirror.remote_articles() == mirror.good_articles(5), second.log()
    assert second.conclusion == "failure"  # the broken source still fails the job
    assert second.events[-1:] == ["cache save"] and "push ok" in second.events, second.log()
    assert_no_cache_newer_than_the_remote(second)


def test_posts_are_pushed_while_a_source_fails(mirror: Mirror):
    """A failing source fails the job, but only after the other source's posts are pushed
    and the state cached; the next run (cache restored) adds the new posts once."""
    mirror.serve_good(3)
    first = mirror.runner.run()
    assert first.conclusion == "failure", first.log()
    assert mirror.remote_articles() == mirror.good_articles(3), first.log()
    assert first.events == ["push ok", "cache save"], first.log()
    assert [s.name for s in first.steps if s.conclusion == "failure"] == [first.steps[-1].name]

    mirror.serve_good(5)
    second = mirror.runner.run()
    assert "cache restore" in second.events, second.log()
    assert mirror.remote_articles() == mirror.good_articles(5), second.log()
    assert second.conclusion == "failure"
    # The restored store kept the broken source's backoff: it was not polled again, and
    # is still reported failing.
    assert mirror.server.hits(mirror.broken) == 1
    assert_no_cache_newer_than_the_remote(second)


def test_a_run_where_every_source_succeeds_passes(mirror: Mirror, tmp_path: Path):
    """The user drops the broken source: the job then succeeds, its last step skipped."""
    clone = tmp_path / "user"
    git(tmp_path, "clone", "-q", str(mirror.runner.remote), str(clone))
    config = clone / "newsmirror.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[:text.index('[[sources]]\nname = "broken"')], encoding="utf-8")
    git(clone, "commit", "-qam", "drop the broken source")
    git(clone, "push", "-q")
    mirror.serve_good(2)
    job = mirror.runner.run()
    assert job.conclusion == "success", job.log()
    assert [s.outcome for s in job.steps][-1:] == ["skipped"]
    assert job.events == ["push ok", "cache save"]
    assert mirror.remote_articles() == mirror.good_articles(2)


def test_conditions_are_evaluated_as_github_does():
    steps = {"m": StepResult("m", "success", "success", {"code": "1"})}

    def lookup(path: str) -> Any:
        _, step, kind, *name = path.split(".")
        return steps[step].outputs.get(name[0]) if kind == "outputs" else None

    def ev(text: str, failed: bool = False) -> Any:
        functions = {"success": lambda: not failed, "failure": lambda: failed,
                     "always": lambda: True, "cancelled": lambda: False}
        return truthy(Expression(text, lookup, functions).value())

    assert ev("steps.m.outputs.code != '0'") and not ev("steps.m.outputs.code == '0'")
    assert not ev("steps.m.outputs.missing != '0'")  # null == '0': both are 0 as numbers
    assert ev("steps.m.outputs.code == 1") and ev("'ABC' == 'abc'")
    assert ev("always()", failed=True) and not ev("success()", failed=True)
    assert ev("failure() || !success()", failed=True) and not ev("!always()")
    assert ev("(success() && 'x') == 'x'")
    assert parse_outputs("a=1\nb<<EOF\nx\ny\nEOF\nc=d=e\n") == {"a": "1", "b": "x\ny", "c": "d=e"}
    with pytest.raises(NotImplementedError):
        ev("hashFiles('x')")
