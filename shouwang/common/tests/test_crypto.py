"""Sealing (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data (decisions/0003)."""

import base64
import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag

from shouwang.common import crypto

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
ID = "53032619750308011X"


@pytest.fixture(autouse=True)
def fixed_key(settings):
    settings.SHOUWANG_DATA_KEY = KEY_A
    crypto.reset_key_cache()
    yield
    crypto.reset_key_cache()


def use_key(settings, key: str) -> None:
    settings.SHOUWANG_DATA_KEY = key
    crypto.reset_key_cache()


def test_seal_unseal_round_trip():
    for value in (ID, "13800001234", "中文也可以", ""):
        token = crypto.seal(value)
        assert token.startswith("v1:")
        assert value == "" or value not in token
        assert crypto.unseal(token) == value


def test_sealing_is_randomised():
    assert crypto.seal(ID) != crypto.seal(ID)


def test_seal_many_matches_seal():
    tokens = crypto.seal_many([ID, "13800001234"])
    assert [crypto.unseal(t) for t in tokens] == [ID, "13800001234"]


def test_any_changed_byte_is_detected():
    token = crypto.seal(ID)
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    for position in (0, 12, len(raw) // 2, len(raw) - 1):  # nonce, ciphertext, middle, tag
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        with pytest.raises(InvalidTag):
            crypto.unseal("v1:" + base64.urlsafe_b64encode(bytes(tampered)).decode())


def test_a_token_from_another_key_does_not_open(settings):
    token = crypto.seal(ID)
    use_key(settings, KEY_B)
    with pytest.raises(InvalidTag):
        crypto.unseal(token)


def test_unknown_key_version_is_refused():
    token = crypto.seal(ID)
    with pytest.raises(crypto.KeyError_, match="未知的密钥版本"):
        crypto.unseal("v9:" + token[3:])


def test_short_master_key_is_refused(settings):
    use_key(settings, base64.b64encode(b"short").decode())
    with pytest.raises(crypto.KeyError_, match="32字节"):
        crypto.seal(ID)


def test_blind_index_is_the_documented_hmac():
    master = b"A" * 32
    idx_key = hmac.new(master, b"shouwang-blind-index-v1", hashlib.sha256).digest()
    expected = hmac.new(idx_key, ID.encode(), hashlib.sha256).hexdigest()[:32]
    assert crypto.blind_index(ID) == expected
    assert len(expected) == 32


def test_blind_index_is_stable_and_normalised():
    first = crypto.blind_index(ID)
    crypto.reset_key_cache()
    assert crypto.blind_index(ID) == first  # same key → same index, across key reloads
    assert crypto.blind_index(ID.lower()) == first  # x and X are the same check character
    assert crypto.blind_index(f"  {ID}\n") == first
    assert crypto.blind_index(ID[:-1] + "0") != first


def test_blind_index_many_matches_blind_index():
    values = [ID, ID.lower(), "13800001234", " 530326197503080111 "]
    assert crypto.blind_index_many(values) == [crypto.blind_index(v) for v in values]


def test_blind_index_depends_on_the_key(settings):
    a = crypto.blind_index(ID)
    use_key(settings, KEY_B)
    assert crypto.blind_index(ID) != a


def test_index_and_seal_keys_are_separate():
    master = b"A" * 32
    seal_key = hmac.new(master, b"shouwang-seal-v1", hashlib.sha256).digest()
    plain = hmac.new(seal_key, ID.encode(), hashlib.sha256).hexdigest()[:32]
    assert crypto.blind_index(ID) != plain


def test_generated_key_file_when_no_key_is_set(settings, tmp_path):
    settings.SHOUWANG_DATA_KEY = ""
    settings.SHOUWANG_KEY_DIR = tmp_path / "keys"
    crypto.reset_key_cache()
    token = crypto.seal(ID)
    path = tmp_path / "keys" / "data.key"
    assert path.exists()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(base64.b64decode(path.read_text())) == 32
    crypto.reset_key_cache()
    assert crypto.unseal(token) == ID  # the same file is read back


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13800001234", "138****1234"), ("0874-5123456", "087****3456"), ("123456", "******"), ("", "")],
)
def test_mask_phone(phone, masked):
    assert crypto.mask_phone(phone) == masked
