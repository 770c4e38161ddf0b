"""The field app's pages: shell (no personal data), service worker, manifest, offline page, login."""

import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from shouwang.audit.models import AuditEntry
from shouwang.field.tests.helpers import make_field_household
from shouwang.testing.builders import make_user

pytestmark = pytest.mark.django_db


def test_shell_is_the_same_for_everyone_and_holds_no_personal_data():
    make_field_household("H_SHELL", head_name="保密姓名")
    anonymous = Client().get("/field/")
    user = make_user("grid")
    client = Client()
    client.force_login(user)
    signed_in = client.get("/field/")
    assert anonymous.status_code == signed_in.status_code == 200
    assert anonymous.content == signed_in.content  # safe for the service worker to cache
    assert anonymous["Cache-Control"] == "no-cache"
    page = anonymous.content.decode()
    assert '<script type="module" src="/static/field/app.js">' in page
    assert 'rel="manifest" href="/field/manifest.webmanifest"' in page
    assert "H_SHELL" not in page and "保密姓名" not in page
    assert "http://" not in page and "https://" not in page  # nothing from the internet


def test_service_worker_precaches_the_shell_from_local_static_files():
    r = Client().get("/field/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/javascript")
    assert r["Service-Worker-Allowed"] == "/field/"
    body = r.content.decode()
    precache = json.loads(body.split("const PRECACHE = ")[1].split(";\n")[0])
    assert precache[:2] == ["/field/", "/field/offline/"]
    assert "/static/vendor/idb-keyval/index.js" in precache
    version = body.split('const VERSION = "')[1].split('"')[0]
    assert len(version) == 16 and version == Client().get("/field/sw.js").content.decode().split('"')[1]
    for url in precache[2:]:
        assert finders.find(url.removeprefix("/static/")), url  # every precached file exists


def test_vendor_packages_are_installed_locally():
    """make install copies the npm packages into static/vendor (docs/frontend.md)."""
    manifest_path = finders.find("vendor/manifest.json")
    assert manifest_path, "run `make install` (npm ci + scripts/vendor_assets.py)"
    with open(str(manifest_path), encoding="utf-8") as f:
        manifest = json.load(f)
    package = Path(__file__).resolve().parents[3] / "frontend" / "package.json"
    wanted = json.loads(package.read_text(encoding="utf-8"))["dependencies"]
    assert {name: m["version"] for name, m in manifest.items()} == wanted
    for name, meta in manifest.items():
        for file in meta["files"]:
            assert finders.find(f"vendor/{name}/{file}"), (name, file)


def test_manifest():
    r = Client().get("/field/manifest.webmanifest")
    assert r["Content-Type"] == "application/manifest+json"
    data = json.loads(r.content)
    assert data["start_url"] == "/field/" and data["scope"] == "/field/" and data["display"] == "standalone"
    assert data["name"] == "守望 · 网格员"
    sizes = {i["sizes"] for i in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon


def test_offline_page():
    r = Client().get("/field/offline/")
    assert r.status_code == 200 and "当前没有网络" in r.content.decode()


def test_login_and_logout():
    make_user("grid", username="wg")
    client = Client(enforce_csrf_checks=False)
    r = client.post("/field/login/", {"username": "wg", "password": "wrong-pass-1"})
    assert r.status_code == 200 and "用户名或密码错误" in r.content.decode()
    r = client.post(
        "/field/login/", {"username": "wg", "password": "test-pass-123", "next": "https://evil.example/"}
    )
    assert r.status_code == 302 and r["Location"] == "/field/"
    assert client.get("/api/v1/field/session").json()["username"] == "wg"
    assert client.get("/field/logout/").status_code == 405  # logging out takes a POST
    r = client.post("/field/logout/")
    assert r.status_code == 302 and r["Location"] == "/field/login/"
    assert AuditEntry.objects.filter(action="logout", object_type="field", object_id="wg").count() == 1
    assert client.get("/api/v1/field/session").status_code == 401
