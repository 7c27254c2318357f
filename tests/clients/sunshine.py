"""Zendesk's official Sunshine Conversations client (PyPI `sunshine-conversations-client`,
pinned in requirements-sunshine.txt), unchanged, against the dev server: the customer-facing
flow an integration builds, with Basic and JWT auth. Run by tests/clients/run.sh.

Env: BASE_URL (the dev server), ADMIN_TOKEN.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import urllib.request

import sunshine_conversations_client as sc
from sunshine_conversations_client.rest import ApiException

BASE = os.environ["BASE_URL"]
ADMIN = os.environ["ADMIN_TOKEN"]
APP = "spindesk"


def client(**auth):
    return sc.ApiClient(sc.Configuration(host=BASE, **auth))


def jwt(key_id, secret):
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key_id}).encode())
    body = b64(json.dumps({"scope": "app"}).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def http(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method)
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


def tickets():
    return len(http("GET", "/api/v2/tickets.json", token=ADMIN)["tickets"])


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok - {what}")


# An API key, made with the admin token (Basic, any user name).
admin = client(username="admin", password=ADMIN)
key = sc.AppKeysApi(admin).create_app_key(APP, {"displayName": "client test"}).key
check(key.id.startswith("app_") and key.secret, "create an API key")

basic = client(username=key.id, password=key.secret)
users = sc.UsersApi(basic)
conversations = sc.ConversationsApi(basic)
messages = sc.MessagesApi(basic)
switchboard = sc.SwitchboardActionsApi(basic)

user = users.create_user(
    APP,
    sc.UserCreateBody(
        external_id="client-test-1",
        profile=sc.Profile(given_name="Ada", surname="Lovelace", email="ada@example.com"),
    ),
).user
check(users.get_user(APP, "client-test-1").user.id == user.id, "create a user; get it by externalId")

conversation = conversations.create_conversation(
    APP,
    sc.ConversationCreateBody(
        type="personal", participants=[sc.ParticipantSubSchema(sc.ParticipantWithUserId(user_id=user.id))]
    ),
).conversation
listed = conversations.list_conversations(
    APP, sc.ConversationListFilter(user_external_id="client-test-1")
)
check([c.id for c in listed.conversations] == [conversation.id], "create a conversation; list it")

messages.post_message(
    APP,
    conversation.id,
    sc.MessagePost(
        author=sc.Author(type="user", user_id=user.id),
        content=sc.Content(sc.TextMessage(type="text", text="Where is my parcel?")),
    ),
)
history = messages.list_messages(APP, conversation.id).messages
check(history[0].content.actual_instance.text == "Where is my parcel?", "post a user message; list messages")
check(
    any(m.author.type == "business" for m in history),
    "the bot's answer lists as a business message the client accepts",
)
if len(history) > 1:
    older = messages.list_messages(APP, conversation.id, page=sc.Page(before=history[1].id))
    check(older.messages[0].id == history[0].id, "page back with a message id as cursor")

# Agents take over: a ticket opens.
before = tickets()
switchboard.pass_control(APP, conversation.id, sc.PassControlBody(switchboard_integration="agent"))
check(tickets() == before + 1, "pass control to the agents; a ticket appears")
active = conversations.get_conversation(APP, conversation.id).conversation
check(active.active_switchboard_integration.name == "agent", "the agent workspace is in control")

reply = messages.post_message(
    APP,
    conversation.id,
    sc.MessagePost(
        author=sc.Author(type="business", display_name="Grace"),
        content=sc.Content(sc.TextMessage(type="text", text="It ships today.")),
    ),
).messages[0]
check(reply.author.display_name == "Grace", "post a business reply")

# A business reply reaches a widget visitor.
session = http("POST", "/api/widget/sessions", {"locale": "en"})["session"]
http("POST", "/api/widget/messages", {"text": "Hello?"}, token=session["token"])
messages.post_message(
    APP,
    session["conversation_id"],
    sc.MessagePost(
        author=sc.Author(type="business", display_name="Grace"),
        content=sc.Content(sc.TextMessage(type="text", text="Hi from the API")),
    ),
)
shown = http("GET", "/api/widget/conversation?limit=100", token=session["token"])["messages"]
check(shown[-1]["text"] == "Hi from the API", "the business reply reaches the widget")

switchboard.release_control(APP, conversation.id, sc.ReleaseControlBody())
active = conversations.get_conversation(APP, conversation.id).conversation
check(active.active_switchboard_integration.name == "bot", "release control back to the bot")

# JWT signed with the key's secret.
by_jwt = client(access_token=jwt(key.id, key.secret))
check(sc.UsersApi(by_jwt).get_user(APP, user.id).user.external_id == "client-test-1", "JWT auth works")
boards = sc.SwitchboardsApi(by_jwt).list_switchboards(APP).switchboards
check(len(boards) == 1, "list the switchboard")

# A wrong secret is refused, Basic or JWT.
for name, wrong in [
    ("Basic", client(username=key.id, password="wrong-secret")),
    ("JWT", client(access_token=jwt(key.id, "wrong-secret"))),
]:
    try:
        sc.UsersApi(wrong).get_user(APP, user.id)
        check(False, f"{name} with a wrong secret is refused")
    except ApiException as e:
        check(e.status == 401, f"{name} with a wrong secret is refused with 401")

print("sunshine client: all passed")
