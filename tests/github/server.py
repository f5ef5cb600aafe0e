"""A local HTTP server that plays GitHub for the tests, held to GitHub's own OpenAPI description.

Every request it receives and every response it sends is validated with openapi-core against
``tests/fixtures/github/openapi-subset.json`` (GitHub's official description, cut to the
endpoints casebook uses). A violation is recorded in ``violations`` and answered with HTTP 599,
so neither the client nor this fake can drift from GitHub unnoticed; the ``github`` fixture fails
the test if anything was recorded.

Responses are built from the description itself: ``example(schema)`` makes the smallest object
with every required field, and the fake overrides the fields the scenario is about.

Faults: ``faults`` holds canned answers by method and path; ``fault_at`` is a switch by request
number (1 for the first request the fake receives) with one of ``FAULT_KINDS``:

* ``502``: answer 502 without doing anything;
* ``process-502``: do the request, then answer 502 (GitHub's proxy lost the answer);
* ``process-drop``: do the request, then close the connection without an answer;
* ``process-timeout``: do the request, then hold the answer for ``hang`` seconds (longer than
  the client's timeout);
* ``reset``: reset the connection (TCP RST) without doing anything.

The server is threaded so that a held answer does not hold up the client's next request; one
lock keeps the requests themselves one at a time.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_schema_validator import OAS30Validator
from werkzeug.wrappers import Request, Response

SPEC_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "github" / "openapi-subset.json"


@cache
def spec_dict() -> dict[str, Any]:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def _nullable_composites(node: Any) -> Any:
    """Let ``nullable: true`` next to ``oneOf``/``anyOf`` admit null, as GitHub means it.

    GitHub's description writes a nullable user as ``{"nullable": true, "oneOf": [<Simple
    User>]}`` and really sends ``"author": null`` for a commit it matched to no account.
    openapi-core applies ``nullable`` only to a schema with a ``type``, so it would reject
    GitHub's own answer; here the null is moved into each alternative (and ``oneOf`` becomes
    ``anyOf``, so a null matching several alternatives is not "ambiguous").
    """
    if isinstance(node, list):
        return [_nullable_composites(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_composites(v) for k, v in node.items()}
    for key in ("oneOf", "anyOf"):
        if out.get("nullable") and key in out and "type" not in out:
            alternatives = [{**alt, "nullable": True} for alt in out.pop(key)]
            out["anyOf"] = alternatives
    return out


@cache
def openapi() -> OpenAPI:
    d = _nullable_composites(copy.deepcopy(spec_dict()))
    # The fake listens on a random local port; the description names api.github.com.
    d["servers"] = [{"url": "http://127.0.0.1:{port}", "variables": {"port": {"default": "80"}}}]
    return OpenAPI.from_dict(d)


def response_schema(path: str, method: str, status: str) -> dict[str, Any]:
    op = spec_dict()["paths"][path][method]
    return op["responses"][status]["content"]["application/json"]["schema"]


BASIC_ERROR = response_schema("/repos/{owner}/{repo}/pulls/{pull_number}", "get", "404")


def example(schema: dict[str, Any], null: bool = True) -> Any:
    """The smallest value valid against ``schema`` (required fields only; ``null`` where the
    schema allows it, unless ``null`` is False for this level)."""
    if "allOf" in schema:
        out: dict[str, Any] = {}
        for part in schema["allOf"]:
            out.update(example(part))
        return out
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return example(schema[key][0], null)
    if schema.get("nullable") and null:
        return None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example(props.get(k, {"type": "string"})) for k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return 1
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2026-01-01T00:00:00Z"
    if fmt == "uri":
        return "https://github.example/x"
    if fmt == "email":
        return "x@example.org"
    return "x"


def merge(base: Any, override: dict[str, Any]) -> Any:
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = v
    return out


def _item(path: str, method: str = "get", status: str = "200") -> dict[str, Any]:
    s = response_schema(path, method, status)
    return s["items"] if s.get("type") == "array" else s


PULL = "/repos/{owner}/{repo}/pulls/{pull_number}"
REVIEWS = PULL + "/reviews"
COMMITS = PULL + "/commits"
ISSUES = "/repos/{owner}/{repo}/issues"
ISSUE = ISSUES + "/{issue_number}"
COMMENTS = ISSUE + "/comments"
LABELS = "/repos/{owner}/{repo}/labels"
STATUSES = "/repos/{owner}/{repo}/statuses/{sha}"


def user(login: str) -> dict[str, Any]:
    simple = _item(REVIEWS)["properties"]["user"]
    return merge(example(simple, null=False), {"login": login, "type": "User"})


@dataclass
class Fault:
    """A canned answer for the next ``times`` requests matching ``method`` and ``path``."""

    method: str
    path: str  # a regular expression over the request path
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=lambda: {"message": "fault"})
    times: int = 1


_VALID: set[tuple[Any, ...]] = set()  # exchanges already found valid (see FakeGitHub._handle)

FAULT_KINDS = ("502", "process-502", "process-drop", "process-timeout", "reset")


class Dropped(Exception):
    """Raised by the app after it closed or reset the connection: there is no answer to send."""


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int


class FakeGitHub:
    """In-memory GitHub: pull requests with reviews and commits, statuses, issues, labels."""

    def __init__(self) -> None:
        self.pulls: dict[int, dict[str, Any]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.commits: dict[int, list[dict[str, Any]]] = {}
        self.statuses: list[tuple[str, dict[str, Any]]] = []
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[str]] = {}
        self.fault_at: dict[int, str] = {}  # request number -> one of FAULT_KINDS
        self.hang = 1.0  # seconds a "process-timeout" answer is held
        self.count = 0  # requests received
        self._lock = threading.Lock()
        self.labels: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.violations: list[str] = []
        self.page_size: int | None = None  # force small pages to exercise pagination
        self.commit_cap = 250  # GitHub lists at most 250 commits of a pull request
        self.token: str | None = "test-token"
        self.base_url = ""
        self._ids = itertools.count(1000)

    # -- scenario building --

    def add_pull(self, number: int, author: str, head: str, base: str) -> None:
        obj = example(response_schema(PULL, "get", "200"))
        self.pulls[number] = merge(
            obj,
            {
                "number": number,
                "state": "open",
                "user": user(author),
                "head": {"sha": head, "ref": "decision", "user": user(author)},
                "base": {"sha": base, "ref": "main", "user": user(author)},
            },
        )
        self.reviews.setdefault(number, [])
        self.commits.setdefault(number, [])

    def add_review(
        self, number: int, login: str, state: str, commit_id: str | None, rid: int | None = None
    ) -> None:
        obj = example(_item(REVIEWS))
        rid = rid if rid is not None else next(self._ids)
        self.reviews[number].append(
            merge(
                obj,
                {
                    "id": rid,
                    "user": user(login),
                    "state": state,
                    "commit_id": commit_id,
                    "submitted_at": "2026-04-01T10:00:00Z",
                },
            )
        )

    def add_commit(
        self,
        number: int,
        sha: str,
        author: str | None,
        committer: str | None = None,
        author_email: str = "author@council.example",
        committer_email: str = "noreply@github.com",
        message: str | None = None,
    ) -> None:
        """A commit of the pull request. ``author``/``committer`` None is what GitHub sends
        when it matched the git e-mail to no account (``"author": null``). ``message``: the
        commit message (default: the OpenAPI example's)."""
        obj = example(_item(COMMITS))
        when = "2026-04-01T09:00:00Z"
        if message is not None:
            obj = merge(obj, {"commit": {"message": message}})
        self.commits[number].append(
            merge(
                obj,
                {
                    "sha": sha,
                    "author": user(author) if author else None,
                    "committer": user(committer) if committer else None,
                    "commit": {
                        "author": {"name": "A", "email": author_email, "date": when},
                        "committer": {"name": "C", "email": committer_email, "date": when},
                    },
                },
            )
        )

    def add_issue(
        self, title: str, body: str, labels: list[str], state: str = "open", pull: bool = False
    ) -> dict[str, Any]:
        number = len(self.issues) + 1
        obj = example(_item(ISSUES))
        issue = merge(
            obj,
            {
                "number": number,
                "id": next(self._ids),
                "title": title,
                "body": body,
                "state": state,
                "labels": [self._label(name) for name in labels],
                "user": user("casebook-bot"),
            },
        )
        if pull:
            issue["pull_request"] = {
                "url": None,
                "html_url": None,
                "diff_url": None,
                "patch_url": None,
            }
        self.issues[number] = issue
        return issue

    def _label(self, name: str) -> dict[str, Any]:
        for lab in self.labels:
            if lab["name"].lower() == name.lower():
                return lab
        lab = merge(
            example(_item(LABELS)),
            {"id": next(self._ids), "name": name, "color": "ededed", "description": None},
        )
        self.labels.append(lab)
        return lab

    def requests_to(self, method: str, pattern: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and re.fullmatch(pattern, s.path)]

    # -- WSGI --

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self.count += 1
            kind = self.fault_at.get(self.count)
            req = Request(environ)
            if kind == "502" or kind == "reset":
                resp = self._json({"message": "Server Error"}, 502)  # nothing is done
            else:
                resp = self._handle(req)
            try:
                body = json.loads(req.get_data(as_text=True)) if req.get_data() else None
            except ValueError:
                body = req.get_data(as_text=True)
            status = {"reset": 0, "process-drop": 0, "process-502": 502}.get(kind or "")
            self.seen.append(
                Seen(
                    req.method,
                    req.path,
                    parse_qs(req.query_string.decode()),
                    body,
                    resp.status_code if status is None else status,
                )
            )
        sock: socket.socket = environ["fake.socket"]
        if kind == "reset":
            # SO_LINGER 0 makes close() send RST; detach so the handler cannot reuse the fd.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            socket.socket(fileno=sock.detach()).close()
            raise Dropped
        if kind == "process-drop":
            sock.shutdown(socket.SHUT_RDWR)
            raise Dropped
        if kind == "process-502":
            resp = self._json({"message": "Server Error"}, 502)
        if kind == "process-timeout":
            time.sleep(self.hang)
        return resp(environ, start_response)

    def _handle(self, req: Request) -> Response:
        oreq = WerkzeugOpenAPIRequest(req)
        # Validation is a pure function of the exchange; the fault tests repeat the same
        # exchanges hundreds of times, so each distinct one is validated once per session.
        headers = tuple(sorted((k.lower(), v) for k, v in req.headers.items() if k != "Host"))
        seen_req = ("req", req.method, req.full_path, req.get_data(), headers)
        if seen_req not in _VALID:
            try:
                openapi().validate_request(oreq)
            except Exception as exc:  # openapi-core raises a family of errors
                self.violations.append(f"request {req.method} {req.full_path}: {exc}")
                return Response(json.dumps({"message": f"invalid request: {exc}"}), 599)
            _VALID.add(seen_req)
        resp = self._route(req)
        seen_resp = ("resp", req.method, req.path, resp.status_code, resp.get_data())
        if seen_resp not in _VALID and self._check_response(oreq, req, resp):
            _VALID.add(seen_resp)
        return resp

    def _check_response(self, oreq: Any, req: Request, resp: Response) -> bool:
        op = self._operation(req)
        documented = op is not None and str(resp.status_code) in op["responses"]
        try:
            if documented:
                openapi().validate_response(oreq, WerkzeugOpenAPIResponse(resp))
            else:
                # GitHub's description leaves out 401/403/429 on most operations; hold their
                # bodies to its "Basic Error" schema.
                OAS30Validator(BASIC_ERROR).validate(json.loads(resp.get_data(as_text=True)))
        except Exception as exc:
            self.violations.append(f"response {resp.status_code} to {req.method} {req.path}: {exc}")
            return False
        return True

    def _operation(self, req: Request) -> dict[str, Any] | None:
        for template, item in spec_dict()["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if re.match(pattern, req.path) and req.method.lower() in item:
                return item[req.method.lower()]
        return None

    def _json(
        self, data: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        resp = Response(json.dumps(data), status, content_type="application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            resp.headers[k] = v
        resp.headers.setdefault("x-ratelimit-remaining", "4999")
        return resp

    def _route(self, req: Request) -> Response:
        for fault in self.faults:
            if (
                fault.times > 0
                and fault.method == req.method
                and re.fullmatch(fault.path, req.path)
            ):
                fault.times -= 1
                return self._json(fault.body, fault.status, fault.headers)
        if self.token is not None and req.headers.get("Authorization") != f"Bearer {self.token}":
            return self._json({"message": "Bad credentials"}, 401)
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/(.*)", req.path)
        if not m:
            return self._json({"message": "Not Found"}, 404)
        rest = m.group(3)
        body = req.get_json(silent=True) or {}
        if (p := re.fullmatch(r"pulls/(\d+)", rest)) and req.method == "GET":
            pull = self.pulls.get(int(p.group(1)))
            if pull is None:
                return self._json({"message": "Not Found"}, 404)
            # GitHub counts every commit, even those the commits list leaves out.
            return self._json({**pull, "commits": len(self.commits.get(pull["number"], []))})
        if (p := re.fullmatch(r"pulls/(\d+)/reviews", rest)) and req.method == "GET":
            return self._page(req, self.reviews.get(int(p.group(1)), []))
        if (p := re.fullmatch(r"pulls/(\d+)/commits", rest)) and req.method == "GET":
            # "This endpoint lists a maximum of 250 commits" (GitHub's REST documentation).
            return self._page(req, self.commits.get(int(p.group(1)), [])[: self.commit_cap])
        if (p := re.fullmatch(r"statuses/([0-9a-f]+)", rest)) and req.method == "POST":
            self.statuses.append((p.group(1), body))
            obj = example(response_schema(STATUSES, "post", "201"))
            obj.update({k: body.get(k) for k in ("state", "description", "target_url", "context")})
            obj["creator"] = user("github-actions[bot]")
            return self._json(obj, 201)
        if rest == "issues" and req.method == "GET":
            return self._page(req, self._filter_issues(req))
        if rest == "issues" and req.method == "POST":
            issue = self.add_issue(body["title"], body.get("body") or "", body.get("labels") or [])
            return self._json(issue, 201)
        if (p := re.fullmatch(r"issues/(\d+)", rest)) and req.method == "PATCH":
            issue = self.issues.get(int(p.group(1)))
            if issue is None:
                return self._json({"message": "Not Found"}, 404)
            for k in ("title", "body", "state", "state_reason"):
                if k in body:
                    issue[k] = body[k]
            issue["closed_at"] = "2026-04-01T00:00:00Z" if issue["state"] == "closed" else None
            return self._json(issue)
        if (p := re.fullmatch(r"issues/(\d+)/comments", rest)) and req.method == "POST":
            n = int(p.group(1))
            if n not in self.issues:
                return self._json({"message": "Not Found"}, 404)
            self.comments.setdefault(n, []).append(body["body"])
            return self._json(self._comment(body["body"]), 201)
        if (p := re.fullmatch(r"issues/(\d+)/comments", rest)) and req.method == "GET":
            n = int(p.group(1))
            if n not in self.issues:
                return self._json({"message": "Not Found"}, 404)
            return self._page(req, [self._comment(c) for c in self.comments.get(n, [])])
        if rest == "labels" and req.method == "GET":
            return self._page(req, self.labels)
        if rest == "labels" and req.method == "POST":
            if any(lab["name"].lower() == body["name"].lower() for lab in self.labels):
                return self._json(
                    {
                        "message": "Validation Failed",
                        "errors": [
                            {"resource": "Label", "code": "already_exists", "field": "name"}
                        ],
                    },
                    422,
                )
            lab = self._label(body["name"])
            lab.update(color=body.get("color", "ededed"), description=body.get("description"))
            return self._json(lab, 201)
        return self._json({"message": "Not Found"}, 404)

    def _comment(self, text: str) -> dict[str, Any]:
        obj = example(response_schema(COMMENTS, "post", "201"))
        obj.update({"id": next(self._ids), "body": text, "user": user("bot")})
        return obj

    def _filter_issues(self, req: Request) -> list[dict[str, Any]]:
        state = req.args.get("state", "open")
        wanted = [x for x in req.args.get("labels", "").split(",") if x]
        out = []
        for issue in sorted(self.issues.values(), key=lambda i: i["number"]):
            names = {lab["name"].lower() for lab in issue["labels"]}
            if state != "all" and issue["state"] != state:
                continue
            if any(w.lower() not in names for w in wanted):
                continue
            out.append(issue)
        return out

    def _page(self, req: Request, items: list[dict[str, Any]]) -> Response:
        per_page = int(req.args.get("per_page", "30"))
        if self.page_size is not None:
            per_page = min(per_page, self.page_size)
        page = int(req.args.get("page", "1"))
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        headers = {}
        if page < last:
            args = {k: v for k, v in req.args.items()}

            def link(n: int) -> str:
                return f"{self.base_url}{req.path}?{urlencode({**args, 'page': n})}"

            headers["Link"] = f'<{link(page + 1)}>; rel="next", <{link(last)}>; rel="last"'
        return self._json(chunk, 200, headers)


class _ServerHandler(ServerHandler):
    def log_exception(self, exc_info: Any) -> None:
        pass

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], Dropped):
            return  # the connection is already closed or reset: nothing to answer
        super().handle_error()


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def get_environ(self) -> dict[str, Any]:
        env = super().get_environ()
        env["fake.socket"] = self.connection
        return env

    def handle(self) -> None:
        # WSGIRequestHandler.handle, with a ServerHandler that stays quiet about a connection
        # the fake dropped on purpose, or that the client gave up on (a held answer).
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536 or not self.parse_request():
                return
            handler = _ServerHandler(
                self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True
            )
            handler.request_handler = self  # type: ignore[attr-defined]
            handler.run(self.server.get_app())  # type: ignore[attr-defined]
        except (OSError, ValueError):
            pass


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@dataclass
class Running:
    fake: FakeGitHub
    url: str
    server: WSGIServer
    thread: threading.Thread


@contextmanager
def serve(fake: FakeGitHub) -> Iterator[Running]:
    server = make_server("127.0.0.1", 0, fake, server_class=_Server, handler_class=_Quiet)
    url = f"http://127.0.0.1:{server.server_port}"
    fake.base_url = url
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield Running(fake, url, server, thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
