"""The letters' PDF files in S3-compatible object storage (moto plays the object store)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.test import override_settings
from django.urls import reverse
from moto import mock_aws

from missions.models import LetterPdf, LetterStatus
from missions.seal import verify_pdf
from tests.conftest import client_acting_as
from tests.missions.letters import advance, draft_letter, publish_template

pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = "rupn-lettres"
S3_STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "region_name": "eu-west-3",
            "access_key": "cle-de-test",
            "secret_key": "secret-de-test",
            "location": "poitiers",
            "default_acl": "private",
            "file_overwrite": False,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def test_an_issued_letters_pdf_is_stored_in_the_bucket_and_downloads_from_it(poitiers):
    publish_template(poitiers)
    with mock_aws():
        client = boto3.client(
            "s3",
            region_name="eu-west-3",
            aws_access_key_id="cle-de-test",
            aws_secret_access_key="secret-de-test",
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        with override_settings(STORAGES=S3_STORAGES):
            letter = advance(draft_letter(poitiers), poitiers, until=LetterStatus.ISSUED)
            stored = LetterPdf.objects.get(letter=letter)
            keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET)["Contents"]]
            assert keys == [f"poitiers/{stored.file.name}"]
            body = client.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
            assert verify_pdf(body).authentic
            acl = client.get_object_acl(Bucket=BUCKET, Key=keys[0])
            assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee"))]

            download = client_acting_as(poitiers.rupn).get(
                reverse("missions:letter_pdf", args=[letter.pk])
            )
            assert download.status_code == 200
            assert b"".join(download.streaming_content) == body  # type: ignore[attr-defined]


def test_rupn_s3_bucket_selects_object_storage(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUPN_", "DJANGO", "DATABASE"))}
    env.update(
        RUPN_VAR_DIR=str(tmp_path),
        RUPN_S3_BUCKET="lettres-academie",
        RUPN_S3_ENDPOINT_URL="https://s3.fr-par.scw.cloud",
        RUPN_S3_REGION="fr-par",
        RUPN_S3_PREFIX="prod",
    )
    code = (
        "from django.core.files.storage import default_storage as s; "
        "s._setup(); "
        "print(type(s._wrapped).__name__, s.bucket_name, s.endpoint_url, s.location, s.default_acl)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, str(root / "manage.py"), "shell", "--no-imports", "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "S3Storage",
        "lettres-academie",
        "https://s3.fr-par.scw.cloud",
        "prod",
        "private",
    ]
