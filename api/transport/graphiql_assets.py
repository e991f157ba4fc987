"""GraphiQL's browser files, served from node_modules/ by an allow-list at /graphiql/assets/.

React, GraphiQL, its explorer plugin and graphql-ws (subscriptions over a WebSocket) come
from the npm registry as pinned packages
(`package.json`, `package-lock.json`; `make install` and `make run` run `npm ci`) and are
served from `node_modules/` at `/graphiql/assets/<package>@<version>/<file>`: only the files
of the allow-list below, each with a year-long immutable cache (a published npm version never
changes, and the version is in the URL).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

# `npm ci` installs here: the project's root, beside package.json.
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
ASSETS_PATH = "/graphiql/assets"
CACHE_CONTROL = "public, max-age=31536000, immutable"
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
}


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of an npm package that the page loads."""

    package: str
    file: str  # inside the package


# The page loads these in this order; nothing else under node_modules/ is served.
STYLESHEETS = (
    Asset("graphiql", "graphiql.min.css"),
    Asset("@graphiql/plugin-explorer", "dist/style.css"),
)
SCRIPTS = (
    Asset("react", "umd/react.production.min.js"),
    Asset("react-dom", "umd/react-dom.production.min.js"),
    Asset("graphiql", "graphiql.min.js"),
    Asset("@graphiql/plugin-explorer", "dist/index.umd.js"),
    Asset("graphql-ws", "umd/graphql-ws.min.js"),  # the `graphqlWs` global
)
# Fetched only by a browser's developer tools.
SOURCE_MAPS = (Asset("graphiql", "graphiql.min.js.map"),)
ALLOWED = (*STYLESHEETS, *SCRIPTS, *SOURCE_MAPS)


class MissingAssets(Exception):
    """node_modules/ lacks a package or file of the allow-list (npm ci has not run)."""


def installed_assets() -> dict[Asset, str]:
    """Each allowed asset's URL path, with the installed package's version in it.

    Read at each call (a few small files), so that `npm ci` while the server runs is seen.
    Raises MissingAssets naming what is missing.
    """
    root = NODE_MODULES
    versions: dict[str, str] = {}
    urls: dict[Asset, str] = {}
    for asset in ALLOWED:
        if asset.package not in versions:
            manifest = root / asset.package / "package.json"
            try:
                versions[asset.package] = str(json.loads(manifest.read_text())["version"])
            except (OSError, ValueError, KeyError) as error:
                raise MissingAssets(f"{manifest} is missing or unreadable ({error})") from None
        if not (root / asset.package / asset.file).is_file():
            raise MissingAssets(f"{root / asset.package / asset.file} is missing")
        urls[asset] = f"{ASSETS_PATH}/{asset.package}@{versions[asset.package]}/{asset.file}"
    return urls


def graphiql_asset(request: Request) -> Response:
    """GET /graphiql/assets/{path}: one file of the allow-list, at its installed version.

    A sync endpoint (Starlette runs it in a thread): it reads a few package.json files.
    """
    wanted = f"{ASSETS_PATH}/{request.path_params['path']}"
    try:
        urls = installed_assets()
    except MissingAssets:
        urls = {}
    for asset, url in urls.items():
        if url == wanted:
            return FileResponse(
                NODE_MODULES / asset.package / asset.file,
                media_type=_MEDIA_TYPES[Path(asset.file).suffix],
                headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
            )
    return PlainTextResponse("Not a GraphiQL asset of this server.", status_code=404)
