"""Fixtures for the web service: users in each role, signed-in clients, the mock OIDC provider."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from kinsight.web.accounts.models import Account
from mock_oidc_provider import MockOidcProvider
from web_helpers import PASSWORD

@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["fast_hasher.FastArgon2PasswordHasher"]


@pytest.fixture
def make_user(db):
    def make(role: str = "", username: str | None = None, password: str | None = PASSWORD, **account):
        username = username or f"{role or 'norole'}-user"
        # No password (an unusable one) where a test signs in with force_login: argon2 is slow
        # on purpose, and the suite should not pay for it where it proves nothing.
        user = get_user_model().objects.create_user(username, password=password)
        Account.objects.create(user=user, role=role, **account)
        return user

    return make


@pytest.fixture
def signed_in(client, make_user):
    """A test client signed in with a new user of the given role."""

    def sign_in(role: str, **account):
        client.force_login(make_user(role, password=None, **account))
        return client

    return sign_in


@pytest.fixture
def oidc_provider(settings):
    provider = MockOidcProvider().start()
    settings.KINSIGHT_OIDC = {
        "metadata_url": provider.metadata_url,
        "client_id": "kinsight-test-client",
        "client_secret": "test-secret-not-real",
        "label": "Sign in with your council account",
        "roles": {"Council.SocialWorker": "social_worker"},
    }
    yield provider
    provider.stop()


@pytest.fixture
def starter_agreements(db):
    """The four starter agreements, loaded and activated."""
    from kinsight.governance import agreements

    for name in agreements.TEMPLATES:
        agreements.load_template(name, actor="dpo.setup")
        agreements.transition(name, "active", actor="dpo.setup")


@pytest.fixture(scope="session")
def built_deployment(tmp_path_factory):
    """The small deployment's files, built once: snapshots never change, so tests share them
    (and the web app's per-snapshot caches stay warm between tests)."""
    from warehouse_fixture import build_deployment

    return build_deployment(tmp_path_factory.mktemp("la"))


@pytest.fixture
def deployment(settings, tmp_path, built_deployment):
    """A small deployment with a current warehouse snapshot, served by the web app."""
    settings.KINSIGHT_CONFIG = str(built_deployment)
    settings.STATE_DIR = tmp_path / "state"
    return settings.KINSIGHT_CONFIG


@pytest.fixture(scope="session")
def built_index(tmp_path_factory):
    """A child index built once per test session (linking takes seconds)."""
    from linkage_fixture import build_index

    return build_index(tmp_path_factory.mktemp("index"))


@pytest.fixture
def deployment_with_index(settings, tmp_path, built_deployment, built_index):
    """A copy of the small deployment with its own copy of the built child index (reviews change it)."""
    import shutil

    root = shutil.copytree(built_deployment.parent, tmp_path / "la")
    shutil.copytree(built_index, root / "warehouse" / "index")
    settings.KINSIGHT_CONFIG = str(root / "kinsight.toml")
    settings.STATE_DIR = tmp_path / "state"
    return settings.KINSIGHT_CONFIG
