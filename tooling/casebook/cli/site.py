"""`casebook site build` and `casebook site serve`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from casebook.check.loading import require
from casebook.cli.common import Env, as_of_option, emit_json, format_option, pass_env, resolve_as_of
from casebook.cli.stop import Stopped
from casebook.publish.site import AUDIENCES, BUILDERS, BuildOptions, build_site
from casebook.publish.site.case_page import is_https_url
from casebook.publish.site.wire import collect_inputs

DEFAULT_OUT = "_site"


def default_out(root: Path, audience: str) -> Path:
    return root / DEFAULT_OUT / audience


def _repo_url() -> str | None:
    # GitHub Actions sets these; elsewhere pass --repo-url.
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    return https_url(f"{server}/{repo}", "GITHUB_SERVER_URL") if server and repo else None


def https_url(value: str | None, what: str) -> str | None:
    """``value`` when it is an https:// URL (``case_page.is_https_url``); else a usage error."""
    if value is None or is_https_url(value):
        return value
    raise click.BadParameter(
        f"{value!r}: give the repository's https:// address, e.g. "
        "https://github.com/council/casebook",
        param_hint=what,
    )


@click.group()
def site() -> None:
    """Build and preview the internal site (staff handling cards, governance register)."""


audience_option = click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="staff",
    show_default=True,
    help="Who the site is for: staff see handling cards only; governance sees everything.",
)


@site.command()
@audience_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Folder to (re)place the built site in (default: {DEFAULT_OUT}/<audience>).",
)
@as_of_option
@click.option(
    "--repo-url",
    metavar="URL",
    callback=lambda _ctx, _param, value: https_url(value, "--repo-url"),
    help="Repository URL for links to the pull requests that approved decisions "
    "(default: from GitHub Actions' environment).",
)
@click.option(
    "--no-letters",
    is_flag=True,
    help="Governance site: leave out the letter texts (faster; case pages still list the "
    "letters recorded as sent).",
)
@click.option(
    "--builder",
    type=click.Choice(BUILDERS),
    default="mkdocs",
    show_default=True,
    help="Which builder reads the generated pages: Material for MkDocs, or Zensical (its "
    "successor; see docs/decisions/0026-two-site-builders.md).",
)
@format_option("text", "json")
@pass_env
def build(
    env: Env,
    audience: str,
    out: Path | None,
    as_of: str | None,
    repo_url: str | None,
    no_letters: bool,
    builder: str,
    fmt: str,
) -> None:
    """Generate the site's pages and build them with Material for MkDocs (or Zensical).

    The output folder is replaced only when the build succeeds, and only if it is empty or
    holds a site casebook built for the same audience.
    """
    root = env.root
    options = BuildOptions(
        root=root,
        audience=audience,  # type: ignore[arg-type]  # click.Choice(AUDIENCES)
        out=out or default_out(root, audience),
        as_of=resolve_as_of(as_of),
        repo_url=repo_url or _repo_url(),
        builder=builder,  # type: ignore[arg-type]  # click.Choice(BUILDERS)
    )
    book = require(root)
    inputs = collect_inputs(
        book, options.audience, options.as_of, letters=not no_letters, repo_url=options.repo_url
    )
    result = build_site(options, inputs, book=book)
    if fmt == "json":
        emit_json(result.as_json())
    else:
        click.echo(
            f"Built the {result.audience} site as of {result.as_of}: {result.pages} pages "
            f"({result.cases} case pages) in {result.out} "
            f"({result.generate_seconds + result.mkdocs_seconds:.1f} s)"
        )


@site.command()
@audience_option
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"The built site to serve (default: {DEFAULT_OUT}/<audience>).",
)
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    help="Loopback address to listen on (the preview never listens on the network).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@pass_env
def serve(env: Env, audience: str, directory: Path | None, bind: str, port: int) -> None:
    """Preview a built site on this machine (Ctrl+C to stop)."""
    # Imported here: http.server and ssl cost every `site build` 40 ms otherwise.
    from casebook.publish.site.serve import make_server

    folder = directory or default_out(env.root, audience)
    server = make_server(folder, bind, port)
    host, real_port = server.server_address[:2]
    click.echo(f"Serving {folder} at http://{host!s}:{real_port}/ (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except (KeyboardInterrupt, Stopped):  # Ctrl+C or SIGTERM: the preview's normal end
        pass
    finally:
        server.server_close()
