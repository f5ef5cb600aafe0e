"""GitHub's REST API, behind a small protocol so the logic that uses it is testable.

Only the calls casebook needs: a pull request, its reviews and commits, commit statuses, and
issues with their labels and comments. ``RestGitHub`` talks HTTP with httpx; tests point it at a
local server that plays GitHub and checks every exchange against GitHub's OpenAPI description.

Two things GitHub asks of every client are done here, once:

* lists are paginated: follow the ``Link: <...>; rel="next"`` header until there is none;
* rate limits: a 403 or 429 with ``retry-after``, or with ``x-ratelimit-remaining: 0`` and
  ``x-ratelimit-reset``, means "wait, then retry"; the wait and the number of retries are
  bounded, and beyond them the command stops with a message instead of hanging a CI job;
* faults: a request that is safe to repeat (GET, PATCH of absolute values, a commit status)
  is retried after a 5xx, a timeout or a dropped connection. A POST that creates something (an
  issue, a comment, a label) is repeated only when GitHub certainly did not get it (the
  connection was never made, or a rate limit refused it). After a 5xx, a timeout or a
  connection lost mid-answer GitHub may have created it anyway, so the client raises a
  ``GitHubError`` with ``maybe_applied`` set and the caller looks (by its marker) before it
  creates again: a blind retry is how duplicate issues and comments are made.

Every other refusal becomes a ``GitHubError`` that says what to do about it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from casebook import __version__
from casebook.errors import GitHubError, UsageError

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100
# A commit status description longer than this is refused by GitHub.
STATUS_DESCRIPTION_MAX = 140

_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def check_repo(repo: str) -> str:
    """``OWNER/NAME``, or a UsageError naming the expected form."""
    if not _REPO.match(repo) or ".." in repo:
        raise UsageError(f"--repo: {repo!r} is not a repository; write it as OWNER/NAME")
    return repo


# --- What casebook reads from GitHub, as plain records -----------------------------------


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    author: str | None  # login of the user who opened it
    head_sha: str
    base_sha: str
    base_ref: str
    state: str
    # How many commits the pull request has (GitHub's count; its commits list stops at 250).
    commits: int | None = None


@dataclass(frozen=True, slots=True)
class Review:
    id: int
    login: str | None  # None when the account was deleted ("ghost")
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit_id: str | None
    submitted_at: str | None
    # The reviewer's account ID (``user.id``): it survives a rename, as a login does not.
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    # GitHub logins of the commit's author and committer, where GitHub could match them.
    logins: tuple[str, ...]
    # (role, git e-mail) of the author or committer GitHub matched to no account
    # ("author": null), and of every co-author the message names ("co-author"): casebook
    # must find out who they are another way, or fail closed.
    unknown: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class Issue:
    number: int
    title: str
    body: str
    state: str  # open or closed
    labels: tuple[str, ...]
    is_pull_request: bool = False


@dataclass(frozen=True, slots=True)
class Status:
    state: str  # success, failure, pending, error
    description: str
    context: str
    target_url: str | None = None


def review_from_json(obj: Mapping[str, Any]) -> Review:
    user = obj.get("user")
    login = user.get("login") if isinstance(user, Mapping) else None
    return Review(
        id=int(obj.get("id") or 0),
        login=str(login) if login else None,
        state=str(obj.get("state") or "").upper(),
        commit_id=str(obj["commit_id"]) if obj.get("commit_id") else None,
        submitted_at=str(obj["submitted_at"]) if obj.get("submitted_at") else None,
        user_id=_account_id(user),
    )


def _account_id(user: Any) -> int | None:
    value = user.get("id") if isinstance(user, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _login(obj: Any) -> str | None:
    if isinstance(obj, Mapping) and obj.get("login"):
        return str(obj["login"])
    return None


def commit_from_json(obj: Mapping[str, Any]) -> Commit:
    git_commit = obj.get("commit") if isinstance(obj.get("commit"), Mapping) else {}
    logins: list[str] = []
    unknown: list[tuple[str, str | None]] = []
    for role in ("author", "committer"):
        login = _login(obj.get(role))
        if login:
            logins.append(login)
            continue
        who = git_commit.get(role) if isinstance(git_commit, Mapping) else None
        email = who.get("email") if isinstance(who, Mapping) else None
        unknown.append((role, _sound(str(email)) if email else None))
    message = git_commit.get("message") if isinstance(git_commit, Mapping) else None
    if isinstance(message, str):
        unknown += [("co-author", email) for email in co_author_emails(_sound(message))]
    return Commit(
        sha=str(obj.get("sha") or ""), logins=tuple(dict.fromkeys(logins)), unknown=tuple(unknown)
    )


def _sound(text: str) -> str:
    """``text`` with any lone surrogate (JSON allows ``"\\ud800"``) written out as ``\\ud800``:
    such an address matches no one, so the check fails closed, and it can still be printed
    (UTF-8 cannot encode a lone surrogate, and printing the problem crashed)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# The separator of a co-author line's key: a colon, or one that reads as a colon.
_COLON = re.compile("[:\uff1a\ufe55\ufe13]")
# Characters that read as a hyphen in the key (dashes, the minus sign).
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
# Angle brackets: where GitHub and git put the address, after the name.
_BRACKETED = re.compile(r"<([^<>]*)>")
# One address: something, one @, something; no spaces.
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")


def co_author_emails(message: str) -> list[str | None]:
    """The e-mails of each ``Co-authored-by:`` line of a commit message, in order; None for a
    line with no address in it.

    Every such line counts, not only git's trailer block (the last paragraph): GitHub credits
    co-authors more loosely than ``git interpret-trailers`` parses them, and a missed co-author
    could approve a change they helped write. A line too many only bars someone from approving
    or fails the check closed, never the reverse. So lines are split at any line break
    (``str.splitlines``: CR, CRLF, U+2028 too), the key is compared after Unicode
    normalisation (NFKC, zero-width characters dropped, any dash read as ``-``, any case), and
    every address on the line counts: each ``<...>`` and each bare ``local@domain`` word,
    whatever the name around it says (``email.utils.parseaddr`` took a name that looks like
    an address for the address, kept only the first of two, and recursed once per ``(``).
    """
    out: list[str | None] = []
    for line in message.splitlines():
        parts = _COLON.split(line, maxsplit=1)
        if len(parts) != 2 or _key(parts[0]) != "co-authored-by":
            continue
        value = parts[1]
        found = [inside.strip() for inside in _BRACKETED.findall(value)]
        found += [
            word.strip("\"'(),;.") for word in re.split(r"[\s<>,;]+", _BRACKETED.sub(" ", value))
        ]
        addresses = [a for a in dict.fromkeys(found) if _ADDRESS.fullmatch(a)]
        out += addresses or [None]
    return out


def _key(text: str) -> str:
    """A trailer key as a reader sees it: NFKC, no format characters, dashes as ``-``."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _DASHES.sub("-", text).strip().casefold()


def issue_from_json(obj: Mapping[str, Any]) -> Issue:
    labels = tuple(
        str(lab.get("name")) if isinstance(lab, Mapping) else str(lab)
        for lab in obj.get("labels") or []
    )
    return Issue(
        number=int(obj["number"]),
        title=str(obj.get("title") or ""),
        body=str(obj.get("body") or ""),
        state=str(obj.get("state") or "open"),
        labels=labels,
        is_pull_request=obj.get("pull_request") is not None,
    )


def pull_from_json(obj: Mapping[str, Any]) -> PullRequest:
    return PullRequest(
        number=int(obj["number"]),
        author=_login(obj.get("user")),
        head_sha=str(obj["head"]["sha"]),
        base_sha=str(obj["base"]["sha"]),
        base_ref=str(obj["base"].get("ref") or ""),
        state=str(obj.get("state") or ""),
        commits=obj["commits"] if isinstance(obj.get("commits"), int) else None,
    )


class GitHub(Protocol):
    """The GitHub calls casebook makes. ``repo`` is always ``OWNER/NAME``."""

    def get_pull(self, repo: str, number: int) -> PullRequest: ...

    def list_reviews(self, repo: str, number: int) -> list[Review]: ...

    def list_pull_commits(self, repo: str, number: int) -> list[Commit]: ...

    def create_status(self, repo: str, sha: str, status: Status) -> None: ...

    def list_issues(self, repo: str, label: str) -> list[Issue]: ...

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> Issue: ...

    def update_issue(self, repo: str, number: int, fields: Mapping[str, Any]) -> Issue: ...

    def create_comment(self, repo: str, number: int, body: str) -> None: ...

    def list_comments(self, repo: str, number: int) -> list[str]: ...

    def list_labels(self, repo: str) -> list[str]: ...

    def create_label(self, repo: str, name: str, color: str, description: str) -> None: ...


# --- The HTTP implementation --------------------------------------------------------------


@dataclass(slots=True)
class RetryPolicy:
    """How long to wait for rate limits and passing server errors, and how often."""

    max_retries: int = 3
    max_wait: float = 120.0  # seconds; a longer wait stops the command with a message
    # GitHub: with no retry-after and no reset time, wait at least a minute.
    default_wait: float = 60.0


@dataclass(slots=True)
class RestGitHub:
    token: str
    api_url: str = DEFAULT_API_URL
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    timeout: float = 30.0
    _client: httpx.Client | None = None
    # Every wait taken for a rate limit or a server error, in seconds (reported to the user).
    waits: list[float] = field(default_factory=list)

    def _http(self) -> httpx.Client:
        if self._client is None:
            headers = {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"casebook/{__version__}",
            }
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            self._client = httpx.Client(
                base_url=self.api_url.rstrip("/") + "/",
                headers=headers,
                timeout=self.timeout,
                follow_redirects=False,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- the protocol --

    def get_pull(self, repo: str, number: int) -> PullRequest:
        data = self._json("GET", f"repos/{repo}/pulls/{number}", need="pull-requests: read")
        try:
            return pull_from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GitHubError(
                f"GitHub's answer for pull request {number} lacks what casebook reads "
                f"({type(exc).__name__}: {exc}); is GITHUB_API_URL ({self.api_url}) right?"
            ) from None

    def list_reviews(self, repo: str, number: int) -> list[Review]:
        items = self._pages(f"repos/{repo}/pulls/{number}/reviews", {}, "pull-requests: read")
        return [review_from_json(x) for x in items]

    def list_pull_commits(self, repo: str, number: int) -> list[Commit]:
        items = self._pages(f"repos/{repo}/pulls/{number}/commits", {}, "pull-requests: read")
        return [commit_from_json(x) for x in items]

    def create_status(self, repo: str, sha: str, status: Status) -> None:
        body: dict[str, Any] = {
            "state": status.state,
            "context": status.context,
            "description": status.description[:STATUS_DESCRIPTION_MAX],
        }
        if status.target_url:
            body["target_url"] = status.target_url
        self._json("POST", f"repos/{repo}/statuses/{sha}", body=body, need="statuses: write")

    def list_issues(self, repo: str, label: str) -> list[Issue]:
        params = {"labels": label, "state": "all", "sort": "created", "direction": "asc"}
        items = self._pages(f"repos/{repo}/issues", params, "issues: read")
        return [issue_from_json(x) for x in items]

    def create_issue(self, repo: str, title: str, body: str, labels: list[str]) -> Issue:
        data = self._json(
            "POST",
            f"repos/{repo}/issues",
            body={"title": title, "body": body, "labels": labels},
            need="issues: write",
            idempotent=False,
        )
        return issue_from_json(data)

    def update_issue(self, repo: str, number: int, fields: Mapping[str, Any]) -> Issue:
        data = self._json(
            "PATCH", f"repos/{repo}/issues/{number}", body=dict(fields), need="issues: write"
        )
        return issue_from_json(data)

    def create_comment(self, repo: str, number: int, body: str) -> None:
        self._json(
            "POST",
            f"repos/{repo}/issues/{number}/comments",
            body={"body": body},
            need="issues: write",
            idempotent=False,
        )

    def list_comments(self, repo: str, number: int) -> list[str]:
        """The bodies of an issue's comments, oldest first."""
        items = self._pages(f"repos/{repo}/issues/{number}/comments", {}, "issues: read")
        return [str(x.get("body") or "") for x in items if isinstance(x, Mapping)]

    def list_labels(self, repo: str) -> list[str]:
        items = self._pages(f"repos/{repo}/labels", {}, "issues: read")
        return [str(x.get("name")) for x in items if isinstance(x, Mapping)]

    def create_label(self, repo: str, name: str, color: str, description: str) -> None:
        """Create a label; a label of that name made first by another run is fine.

        Raises GitHubError for every other refusal, including a 422 for any reason but
        ``already_exists`` (an invalid colour, a name too long): that is a bug to report, not a
        label to assume. After an answer that leaves it unknown whether GitHub created the
        label (5xx, timeout), the labels are listed and the label counts as made if it is there.
        """
        try:
            self._json(
                "POST",
                f"repos/{repo}/labels",
                body={"name": name, "color": color, "description": description},
                need="issues: write",
                idempotent=False,
            )
        except GitHubError as exc:
            if exc.status == 422 and exc.codes and set(exc.codes) == {"already_exists"}:
                return  # another run created it first; that is what we wanted
            if exc.maybe_applied and any(n.lower() == name.lower() for n in self.list_labels(repo)):
                return
            raise

    # -- HTTP with pagination, rate limits and errors --

    def _json(
        self,
        method: str,
        path: str,
        body: Any = None,
        need: str = "",
        params: Any = None,
        idempotent: bool = True,
    ) -> Any:
        resp = self._send(method, path, body=body, params=params, need=need, idempotent=idempotent)
        try:
            return resp.json()
        except ValueError:
            raise GitHubError(
                f"GitHub answered {method} /{path} with something that is not JSON "
                f"(HTTP {resp.status_code}); is GITHUB_API_URL ({self.api_url}) right?"
            ) from None

    def _pages(self, path: str, params: Mapping[str, Any], need: str) -> list[Any]:
        out: list[Any] = []
        url: str | None = path
        query: dict[str, Any] | None = {**params, "per_page": PER_PAGE}
        seen: set[str] = set()
        while url is not None:
            resp = self._send("GET", url, params=query, need=need)
            try:
                page = resp.json()
            except ValueError:
                page = None
            if not isinstance(page, list):
                raise GitHubError(
                    f"GitHub answered GET /{path} with something that is not a list "
                    f"(HTTP {resp.status_code}); is GITHUB_API_URL ({self.api_url}) right?"
                )
            out.extend(page)
            url = self._next_link(resp.headers.get("link"))
            query = None  # the next link carries the whole query
            if url is not None:
                if url in seen:
                    raise GitHubError(f"GitHub's pagination of /{path} loops back to {url}")
                seen.add(url)
        return out

    def _next_link(self, header: str | None) -> str | None:
        if not header:
            return None
        for target, rel in _LINK.findall(header):
            if rel == "next":
                base = urlsplit(self.api_url)
                nxt = urlsplit(target)
                # Never send the token to another host because a header said so.
                if (nxt.scheme, nxt.netloc) != (base.scheme, base.netloc):
                    raise GitHubError(
                        f"GitHub's next-page link points to another host ({nxt.netloc}); refusing"
                    )
                return str(target)
        return None

    def _send(
        self,
        method: str,
        url: str,
        body: Any = None,
        params: Any = None,
        need: str = "",
        idempotent: bool = True,
    ) -> httpx.Response:
        attempt = 0
        while True:
            try:
                resp = self._http().request(method, url, json=body, params=params)
            except httpx.TransportError as exc:
                # A connection never made means GitHub never saw the request; anything later
                # (a read timeout, a connection closed before the answer) may come after GitHub
                # acted on it.
                unsent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if not idempotent and not unsent:
                    raise GitHubError(
                        f"{method} /{url.lstrip('/')} got no answer from GitHub "
                        f"({type(exc).__name__}: {exc}); GitHub may have carried it out",
                        maybe_applied=True,
                    ) from None
                if attempt < self.retry.max_retries:
                    attempt += 1
                    self._wait(min(2.0**attempt, self.retry.max_wait))
                    continue
                raise GitHubError(
                    f"cannot reach the GitHub API at {self.api_url}: {type(exc).__name__}: {exc}",
                    maybe_applied=not idempotent and not unsent,
                ) from None
            if resp.status_code < 400:
                return resp
            if resp.status_code >= 500 and not idempotent:
                err = self._error(method, resp, need)
                err.maybe_applied = True
                raise err
            wait = self._rate_limit_wait(resp)
            if wait is None and resp.status_code in (500, 502, 503, 504):
                wait = min(2.0 ** (attempt + 1), self.retry.max_wait)
            if wait is not None and attempt < self.retry.max_retries:
                if wait > self.retry.max_wait:
                    raise self._rate_limited(resp, wait)
                attempt += 1
                self._wait(wait)
                continue
            if wait is not None and resp.status_code in (403, 429):
                raise self._rate_limited(resp, wait)
            raise self._error(method, resp, need)

    def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.sleep(seconds)

    def _rate_limit_wait(self, resp: httpx.Response) -> float | None:
        """Seconds to wait before retrying, when the response is a rate limit; else None."""
        if resp.status_code not in (403, 429):
            return None
        headers = resp.headers
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                return self.retry.default_wait
        if headers.get("x-ratelimit-remaining") == "0":
            try:
                reset = float(headers.get("x-ratelimit-reset", ""))
            except ValueError:
                return self.retry.default_wait
            return max(0.0, reset - self.clock()) + 1.0
        if resp.status_code == 429 or "rate limit" in _message(resp).lower():
            return self.retry.default_wait  # a secondary rate limit without headers
        return None

    def _rate_limited(self, resp: httpx.Response, wait: float) -> GitHubError:
        until = datetime.fromtimestamp(self.clock() + wait, tz=UTC).strftime("%H:%M:%S UTC")
        return GitHubError(
            f"GitHub's rate limit was hit (HTTP {resp.status_code}) and still applies after "
            f"{len(self.waits)} wait(s); it lifts at about {until}. Run the command again then; "
            "a re-run finishes whatever this one left undone.",
            resp.status_code,
        )

    def _error(self, method: str, resp: httpx.Response, need: str) -> GitHubError:
        code = resp.status_code
        path = urlsplit(str(resp.request.url)).path
        msg = _message(resp)
        what = f"{method} {path}"
        codes: tuple[str, ...] = ()
        if code == 401:
            text = (
                f"GitHub rejected the token for {what} (401 {msg or 'Bad credentials'}): "
                "check that GITHUB_TOKEN is set, has not expired and is for this GitHub"
            )
        elif code == 403:
            text = (
                f"GitHub refused {what} (403 {msg or 'Forbidden'}): the token lacks a "
                "permission"
                + (f"; in the workflow, give the job `permissions: {need}`" if need else "")
            )
        elif code == 404:
            text = (
                f"GitHub found nothing at {what} (404): check --repo OWNER/NAME and the "
                "number; a token that cannot see a private repository also gets 404"
            )
        elif code == 422:
            details = _details(resp)
            codes = _codes(resp)
            text = (
                f"GitHub rejected {what} as invalid (422 {msg}){': ' + details if details else ''}"
            )
        elif code >= 500:
            text = (
                f"GitHub failed {what} with HTTP {code}{' (' + msg + ')' if msg else ''}"
                + "; GitHub may be having an incident (https://www.githubstatus.com)"
            )
        else:
            text = f"GitHub answered {what} with HTTP {code}{': ' + msg if msg else ''}"
        return GitHubError(text, code, codes=codes)


def _message(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return ""
    return str(data.get("message") or "") if isinstance(data, dict) else ""


def _codes(resp: httpx.Response) -> tuple[str, ...]:
    try:
        data = resp.json()
    except ValueError:
        return ()
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return ()
    return tuple(str(e.get("code")) for e in errors if isinstance(e, dict) and e.get("code"))


def _details(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return ""
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return ""
    parts = []
    for e in errors:
        if isinstance(e, dict):
            parts.append(
                " ".join(str(e[k]) for k in ("resource", "field", "code", "message") if e.get(k))
            )
        else:
            parts.append(str(e))
    return "; ".join(parts)


def from_environment(environ: Mapping[str, str]) -> RestGitHub:
    """A client configured as GitHub Actions configures a job: GITHUB_TOKEN, GITHUB_API_URL."""
    token = environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise UsageError(
            "GITHUB_TOKEN is not set: in a workflow, pass `env: GITHUB_TOKEN: "
            "${{ github.token }}`; on your machine, export a token that can read this repository"
        )
    api_url = environ.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
    parts = urlsplit(api_url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise UsageError(f"GITHUB_API_URL {api_url!r} is not an http(s) URL")
    return RestGitHub(token=token, api_url=api_url)


def run_url(environ: Mapping[str, str]) -> str | None:
    """The link to this workflow run, for a commit status's "Details"."""
    server = environ.get("GITHUB_SERVER_URL")
    repo = environ.get("GITHUB_REPOSITORY")
    run = environ.get("GITHUB_RUN_ID")
    if server and repo and run and run.isdigit():
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
    return None
