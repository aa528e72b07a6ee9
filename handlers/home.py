"""The Home tab (SPEC §4.6): published when opened and after the user changes something.

Which departments a user belongs to is read from Slack: the members of each department's bound
channel, cached for a few minutes. Which requests changed something is read from the database
session: a request whose transaction wrote rows refreshes the Home tab of its user and of the
owners and reporters of the issues it touched, if they have ever opened it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot import bindings
from bot import home as domain
from bot.context import Actor
from bot.runtime import Runtime
from handlers.app import REQUEST_TIMEOUT, make_client
from handlers.common import Answer, actor_of, runtime_of
from handlers.decisions import forms as decision_forms
from handlers.ids import Action, IssueAction, MeetingAction
from handlers.issues import forms as issue_forms
from handlers.meetings import forms as meeting_forms
from handlers.slack_transport import retry_after
from handlers.views import home as views
from storage.models import Issue

log = logging.getLogger("returbot.home")
MEMBERS_TTL = 300.0  # seconds a channel's member list is trusted
RETRY_CAP = 60.0
NOT_OPENED_TTL = 60.0  # seconds a "has never opened the Home tab" is trusted
FRESH_AFTER = 10.0  # seconds within which a member list counts as fresh for a refusal
TAB = "home_tab"  # the key of the app's HomeTab in Bolt's request context (handlers.app)

# the users whose Home tab the request being dispatched has changed ("" marks any write)
_touched: ContextVar[set[str] | None] = ContextVar("home_touched", default=None)


class Membership:
    """Department codes a user belongs to: members of the departments' channels, cached."""

    def __init__(
        self,
        client: WebClient,
        ttl: float = MEMBERS_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client, self.ttl, self.clock = client, ttl, clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()
        self._home: str | None = None  # home_team
        self._shared: dict[str, tuple[float, bool]] = {}  # channel -> (when asked, shared)

    def home_team(self) -> str | None:
        """The bot's own Slack team (``auth.test``), asked once; None while Slack cannot say
        (asked again next time)."""
        with self._lock:
            if self._home is not None:
                return self._home
        try:
            team = str(self.client.auth_test().get("team_id") or "")
        except SlackApiError as error:
            log.warning("could not ask Slack for the home team: %s", error.response.get("error"))
            return None
        except OSError as error:
            log.warning("could not ask Slack for the home team: %s", type(error).__name__)
            return None
        with self._lock:
            self._home = team or None
        return self._home

    def shared(self, channel: str) -> bool:
        """Whether ``channel`` is shared with other organisations (Slack Connect:
        ``conversations.info`` says ``is_ext_shared``), cached like the member lists. When
        Slack cannot say, it counts as shared: a message then holds less, never too much."""
        with self._lock:
            cached = self._shared.get(channel)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1]
        try:
            info = self.client.conversations_info(channel=channel).get("channel") or {}
        except SlackApiError as error:
            log.warning(
                "could not ask whether %s is shared: %s", channel, error.response.get("error")
            )
            return True
        except OSError as error:
            log.warning("could not ask whether %s is shared: %s", channel, type(error).__name__)
            return True
        found = bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))
        with self._lock:
            self._shared[channel] = (self.clock(), found)
        return found

    def departments(self, user: str, channels: Mapping[str, str]) -> list[str]:
        """The codes (in ``channels``' order) whose channel has ``user`` as a member."""
        return [code for code, channel in channels.items() if user in self.members(channel)]

    def members(self, channel: str, *, fresh: bool = False) -> frozenset[str]:
        """The channel's members; ``fresh`` asks Slack again unless it was asked moments ago
        (a refusal looks twice, and repeated refusals must not turn into a stream of calls)."""
        with self._lock:
            cached = self._cache.get(channel)
        if cached is not None:
            age = self.clock() - cached[0]
            if age < (FRESH_AFTER if fresh else self.ttl):
                return cached[1]
        found = self._fetch(channel)
        with self._lock:
            self._cache[channel] = (self.clock(), found)
        return found

    def _fetch(self, channel: str) -> frozenset[str]:
        members: set[str] = set()
        cursor = ""
        try:
            while True:
                page = self.client.conversations_members(channel=channel, limit=1000, cursor=cursor)
                members.update(str(m) for m in page.get("members") or [])
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    return frozenset(members)
        except SlackApiError as error:
            # not in the channel, channel archived, scope missing: nobody belongs, for a while
            log.warning(
                "could not read the members of %s: %s", channel, error.response.get("error")
            )
            return frozenset()


def channel_facts(rt: Runtime) -> Membership:
    """What Slack says of channels and teams, for ``rt``: the app's membership cache where a
    Slack app is wired in this process, else one of the process's own (a clock process)."""
    if isinstance(rt.members, Membership):
        return rt.members
    with _FACTS_LOCK:
        found = _FACTS.get(id(rt))
        if found is None or found[0] is not rt:
            if len(_FACTS) > 16:  # runtimes come and go in tests; a process has one
                _FACTS.clear()
            client = make_client(rt.settings.bot_token, rt.settings.api_url, REQUEST_TIMEOUT)
            found = (rt, Membership(client))
            _FACTS[id(rt)] = found
        return found[1]


_FACTS: dict[int, tuple[Runtime, Membership]] = {}
_FACTS_LOCK = threading.Lock()


class HomeTab:
    """Builds and publishes one user's Home tab."""

    def __init__(self, rt: Runtime, client: WebClient, membership: Membership | None = None):
        self.rt, self.client = rt, client
        self.membership = membership or Membership(client)
        self.refresher = domain.Refresher(self.publish)
        # who has opened the tab: a yes holds for good; a no is asked again after a while,
        # since the user may open it through another process (each opening publishes anyway)
        self._lock = threading.Lock()
        self._opened: set[str] = set()
        self._not_opened: dict[str, float] = {}

    def remember_opened(self, user: str) -> None:
        with self._lock:
            self._opened.add(user)
            self._not_opened.pop(user, None)

    def has_opened(self, user: str) -> bool:
        """Whether ``user`` has ever opened the tab (asks the database at most every
        ``NOT_OPENED_TTL`` seconds per user who has not: most writers never have)."""
        with self._lock:
            if user in self._opened:
                return True
            asked = self._not_opened.get(user)
            if asked is not None and time.monotonic() - asked < NOT_OPENED_TTL:
                return False
        with self.rt.db.session() as session:
            opened = domain.has_opened(session, user)
        if opened:
            self.remember_opened(user)
        else:
            with self._lock:
                if len(self._not_opened) > 50_000:
                    self._not_opened.clear()
                self._not_opened[user] = time.monotonic()
        return opened

    def view(self, user: str) -> dict[str, Any]:
        """The view ``user`` would see now."""
        rt = self.rt
        with rt.db.session() as session:
            lang = rt.actor(session, user).lang
            channels = bindings.department_channels(session, rt.org)
        departments = self.membership.departments(user, channels)  # Slack calls: no transaction
        now = rt.clock.now()
        with rt.db.session() as session:
            home = domain.compose(session, org=rt.org, user=user, departments=departments, now=now)
            return views.render(home, rt.org, lang, now)

    def publish(self, user: str) -> None:
        """Publish ``user``'s Home tab if they have ever opened it."""
        if not self.has_opened(user):
            return
        try:
            self.client.views_publish(user_id=user, view=self.view(user))
        except SlackApiError as error:
            code = error.response.get("error")
            if error.response.status_code == 429:
                wait = min(RETRY_CAP, retry_after(error.response.headers or {}))
                log.info("Home tab of %s rate limited; again in %.0f s", user, wait)
                timer = threading.Timer(wait, self.refresher.request, args=([user],))
                timer.daemon = True
                timer.start()
                return
            log.warning("could not publish the Home tab of %s: %s", user, code)


def tab_of(context: BoltContext) -> HomeTab:
    """The app's Home tab, from the request's context."""
    tab = context.get(TAB)
    if not isinstance(tab, HomeTab):
        raise RuntimeError("no Home tab in the request context: the app was not made by create_app")
    return tab


def track_changes(factory: sessionmaker[Session]) -> None:
    """Note, for the request being dispatched, which users' Home tabs the commits of sessions
    from ``factory`` changed."""
    if event.contains(factory, "after_flush", _after_flush):
        return
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_rollback", _after_rollback)


def _after_flush(session: Session, _context: object) -> None:
    if _touched.get() is None:
        return
    users: set[str] = session.info.setdefault("home_touched", set())
    users.add("")
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Issue):
            users.update(u for u in (obj.owner, obj.reporter) if u)


def _after_commit(session: Session) -> None:
    users = session.info.pop("home_touched", None)
    bucket = _touched.get()
    if bucket is None:
        return
    if users:
        bucket.update(users)
    wrote, made = domain.written_past_the_flush(session)
    if wrote:
        bucket.add("")
    for obj in made:
        if isinstance(obj, Issue):
            bucket.update(u for u in (obj.owner, obj.reporter) if u)


def _after_rollback(session: Session) -> None:
    session.info.pop("home_touched", None)


def _acting_user(body: Mapping[str, Any]) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or "")


def refresh_after(tab: HomeTab) -> Callable[[BoltRequest], Any]:
    """A request scope: after a command, button or form that wrote something, refresh Homes."""

    @contextmanager
    def scope(req: BoltRequest) -> Iterator[None]:
        token = _touched.set(set())
        try:
            yield
        finally:
            touched = _touched.get() or set()
            _touched.reset(token)
        if touched and req.body.get("type") != "event_callback":
            tab.refresher.request({_acting_user(req.body), *touched} - {""})

    return scope


def _open(
    rt: Runtime,
    opener: Callable[[Runtime, Actor, WebClient, dict[str, Any]], Answer | None],
    body: dict[str, Any],
    client: WebClient,
) -> None:
    user_id = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id")  # none from the Home tab: confirm by DM
    with rt.db.session() as session:
        actor = actor_of(rt, session, body)
    try:
        opener(rt, actor, client, {"trigger_id": body["trigger_id"], "channel_id": channel})
    except SlackApiError as error:
        log.warning("could not open a form for %s: %s", user_id, error.response.get("error"))


def home_opened(event: dict[str, Any], context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab
    user = str(event.get("user") or "")
    if not user:
        return
    rt, tab = runtime_of(context), tab_of(context)
    with rt.db.session() as session:
        domain.record_opened(session, user=user, now=rt.clock.now())
    tab.remember_opened(user)
    tab.refresher.request([user])


def open_decision(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _open(runtime_of(context), decision_forms.open_modal, body, client)


def open_issue(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _open(runtime_of(context), issue_forms.open_modal, body, client)


def open_meeting(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _open(runtime_of(context), meeting_forms.open_modal, body, client)


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
    app.action(Action.OPEN_DECISION_MODAL)(open_decision)
    app.action(IssueAction.OPEN_MODAL)(open_issue)
    app.action(MeetingAction.OPEN_MODAL)(open_meeting)
