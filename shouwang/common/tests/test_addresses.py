"""The client address: REMOTE_ADDR unless a trusted proxy header is configured (docs/accounts.md)."""

from django.test import RequestFactory

from shouwang.common.addresses import client_address

rf = RequestFactory()


def test_remote_addr_is_the_address_and_forwarding_headers_are_ignored_by_default(settings):
    settings.SHOUWANG_TRUSTED_PROXY_HEADER = ""
    request = rf.get(
        "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.9.9.9", HTTP_X_REAL_IP="10.8.8.8"
    )
    assert client_address(request) == "198.51.100.7"
    assert client_address(None) == ""


def test_a_configured_header_is_trusted_and_its_last_hop_taken(settings):
    settings.SHOUWANG_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66")
    assert client_address(request) == "203.0.113.66"
    settings.SHOUWANG_TRUSTED_PROXY_HEADER = "X-Real-IP"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="2001:db8::1")) == "2001:db8::1"


def test_a_missing_or_malformed_header_falls_back_to_remote_addr(settings):
    settings.SHOUWANG_TRUSTED_PROXY_HEADER = "X-Real-IP"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="<script>")) == "10.0.0.1"
