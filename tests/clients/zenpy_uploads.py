"""Zendesk's Python client zenpy (PyPI `zenpy`, pinned in requirements-zenpy.txt), unchanged,
against the dev server: an agent uploads two files under one token with
`zen.attachments.upload`, comments on a ticket with `Comment(uploads=[token])`, and reads the
comment's attachments back, whose `content_url` downloads the very bytes. Run by
tests/clients/run.sh (which sets `attachment_url_key`).

zenpy builds its URLs as `https://{subdomain}.{domain}`: the dev server's `127.0.0.1:PORT` is
given as subdomain `127` and domain `0.0.1:PORT`, and `ZENPY_FORCE_SCHEME=http` (zenpy's own
switch) makes it plain http.

Env: BASE_URL (the dev server), ADMIN_TOKEN.
"""

import json
import os
import sys
import urllib.request

os.environ.setdefault("ZENPY_FORCE_SCHEME", "http")

from zenpy import Zenpy  # noqa: E402
from zenpy.lib.api_objects import Comment, Ticket  # noqa: E402

BASE = os.environ["BASE_URL"]
ADMIN = os.environ["ADMIN_TOKEN"]
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "attachments")


def admin(method, path, body):
    req = urllib.request.Request(
        BASE + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": "Bearer " + ADMIN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())


def check(cond, what):
    if not cond:
        print("FAIL zenpy: " + what, file=sys.stderr)
        sys.exit(1)


def main():
    email = "zenpy-%d@example.com" % os.getpid()
    created = admin("POST", "/api/admin/agents", {"agent": {"name": "Zen", "email": email}})
    host = BASE.split("://", 1)[1]
    subdomain, domain = host.split(".", 1)
    zen = Zenpy(subdomain=subdomain, domain=domain, email=email, token=created["api_token"])

    audit = zen.tickets.create(Ticket(subject="Broken parcel", description="The box arrived broken"))
    ticket = audit.ticket

    pdf_path = os.path.join(FIXTURES, "return-label.pdf")
    png_path = os.path.join(FIXTURES, "parcel.png")
    first = zen.attachments.upload(pdf_path)
    second = zen.attachments.upload(png_path, token=first.token)
    check(first.token and second.token == first.token, "two files under one token")
    check(first.attachment.content_type == "application/pdf", "the PDF's type from its bytes")

    ticket.comment = Comment(body="Here is your return label", uploads=[first.token])
    zen.tickets.update(ticket)

    comments = list(zen.tickets.comments(ticket.id))
    last = comments[-1]
    check(last.body == "Here is your return label", "the comment: %r" % last.body)
    names = [a.file_name for a in last.attachments]
    check(names == ["return-label.pdf", "parcel.png"], "the comment's files: %r" % names)
    label = last.attachments[0]
    check(label.size == os.path.getsize(pdf_path), "the PDF's size")
    url = label.content_url
    if url.startswith("/"):
        url = BASE + url
    with urllib.request.urlopen(url) as res:
        body = res.read()
        disposition = res.headers.get("content-disposition", "")
    with open(pdf_path, "rb") as f:
        check(body == f.read(), "content_url downloads the PDF")
    check(disposition.startswith("attachment;"), "a PDF downloads: %r" % disposition)
    print("ok zenpy: upload, Comment(uploads=[token]), attachments, content_url")


if __name__ == "__main__":
    main()
