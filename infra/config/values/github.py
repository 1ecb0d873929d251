"""GitHub names: organisations, repositories, runner groups, and the URL runners register at.

Sources, read 2026-12-07:
- Organisation and user names: letters, digits and single hyphens, not starting or ending with a hyphen,
  at most 39 characters (the Join GitHub form's messages, quoted in shinnn/github-username-regex's README:
  https://pkgstats.com/pkg:github-username-regex).
- Repository names: at most 100 characters of ASCII letters, digits, `.`, `-` and `_`; a name ending in
  `.git` is rewritten (github/docs#44518, https://github.com/github/docs/issues/44518); `.` and `..` are
  reserved ("The repository . is reserved", dead-claudia/github-limits#5).
- Runner group names: GitHub states no character set or length. Its REST description gives the create and
  update requests' `name` as `{"type": "string", "description": "Name of the runner group."}`, with no
  maxLength or pattern (github/rest-api-description, operations actions/create-self-hosted-runner-group-for-org
  and actions/update-self-hosted-runner-group-for-org, as generated into php-api-clients' GitHub client,
  Schema/Actions/CreateSelfHostedRunnerGroupForOrg/Request/ApplicationJson.php). So the rule here is mlinfra's
  own, and conservative on purpose: ARC looks the group up by putting the name unescaped into a query string,
  `fmt.Sprintf("/_apis/runtime/runnergroups/?groupName=%s", runnerGroup)`, which it then parses with
  `url.Parse` and re-encodes (actions/actions-runner-controller@c34d7c1f:github/actions/client.go,
  GetRunnerGroupByName and NewActionsServiceRequest). In such a name `&` and `;` end the parameter, `#` starts
  a fragment, `+` reads as a space and `%XX` is decoded, so the group ARC asks for is not the one named. mlinfra
  takes 1-64 ASCII letters, digits, spaces, `-`, `_` and `.`, not starting or ending with a space: none of
  those is special in a query, and 64 is a bound of ours, not GitHub's.
- github_config_url: the URL ARC registers runners at is `https://<host>/<org>[/<repo>]`. Credentials belong
  in the GitHub App secret, never in the URL: a user-info part (`https://TOKEN@github.com/acme`) or a query
  string would land in the chart's values and the plan in clear text.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from infra.config.values.text import non_ascii_problem

ORG_MAX, REPO_MAX, GROUP_MAX = 39, 100, 64
_ORG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_GROUP = re.compile(r"[A-Za-z0-9_.-](?:[A-Za-z0-9 _.-]{0,62}[A-Za-z0-9_.-])?")
# GitHub token prefixes: ghp_ (personal access), gho_ (OAuth), ghu_ (App user-to-server), ghs_ (App
# server-to-server), ghr_ (refresh), character set [A-Za-z0-9_]
# (https://github.blog/changelog/2021-03-31-authentication-token-format-updates-are-generally-available/,
# read 2026-12-07).
_TOKEN = re.compile(r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{16,}")


def org_name_problem(name: str) -> str | None:
    """Why `name` cannot be a GitHub organisation (or user) name, or None."""
    if not _ORG.fullmatch(name):
        return (f"a GitHub organisation name is 1-{ORG_MAX} letters, digits and single hyphens, not starting or "
                f"ending with a hyphen (got {name!r})")
    return None


def repository_name_problem(name: str) -> str | None:
    """Why `name` cannot be a GitHub repository name as written, or None."""
    if name in (".", ".."):
        return f"GitHub reserves the repository name {name!r}"
    if not _REPO.fullmatch(name):
        return (f"a GitHub repository name is 1-{REPO_MAX} ASCII letters, digits, '.', '-' or '_' "
                f"(got {name!r})")
    if name.lower().endswith((".git", ".wiki")):
        return f"GitHub rewrites a repository name ending in .git or .wiki; drop the suffix (got {name!r})"
    return None


def repository_slug_problem(slug: str) -> str | None:
    """Why `ORG/REPO` is not a GitHub repository, or None."""
    org, slash, repo = slug.partition("/")
    if not slash:
        return f"must be ORG/REPO (got {slug!r})"
    return org_name_problem(org) or repository_name_problem(repo)


def runner_group_problem(name: str) -> str | None:
    """Why `name` is not a runner group name mlinfra accepts, or None."""
    problem = non_ascii_problem(name)
    if problem:
        return problem
    if not _GROUP.fullmatch(name):
        return (f"a runner group name is 1-{GROUP_MAX} letters, digits, spaces, '-', '_' or '.', not starting or "
                f"ending with a space (got {name!r})")
    return None


def config_url_problem(url: str) -> str | None:
    """Why `url` must not be used as a github_config_url (credentials, non-ASCII, bad owner), or None."""
    problem = non_ascii_problem(url)
    if problem:
        return problem
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"is not a URL ({exc})"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return ("holds credentials before the host; remove them: runners authenticate with the GitHub App "
                "(github_app), and a token in the URL would be stored in clear text")
    if _TOKEN.search(url):
        return "holds what looks like a GitHub token; remove it: runners authenticate with the GitHub App"
    if parts.query or parts.fragment:
        return "must have no query or fragment (https://github.com/ORG or https://github.com/ORG/REPO)"
    if port is not None and port != 443:
        return f"must use the https port 443 (got {port})"
    path = [p for p in parts.path.split("/") if p]
    if path and path[0] != "enterprises":
        problem = org_name_problem(path[0])
        if problem:
            return problem
        if len(path) == 2:
            return repository_name_problem(path[1])
    return None


def url_owner(url: str) -> str | None:
    """The organisation a github_config_url names (lowercase), or None for an enterprise URL."""
    path = [p for p in urlsplit(url).path.split("/") if p]
    return path[0].lower() if path and path[0] != "enterprises" else None
