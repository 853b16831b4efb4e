"""Set up the S3 bucket the way the platform needs it: public read for exactly the published
prefixes (settings.S3_PUBLIC_READ_PREFIXES), and the CORS rule browsers need to send uploads
straight to the bucket and to play HLS from it. Run once per deployment, and again after a change;
`--print` shows the two documents for an operator who applies them by hand."""

import json
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from media_pipeline import storage


def bucket_policy(bucket):
    """Anonymous GET of the published prefixes only: never private/ (sources, students' works)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicMedia",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in settings.S3_PUBLIC_READ_PREFIXES],
            }
        ],
    }


def cors_rules(origins):
    """Browsers on the site PUT upload parts (and read back the ETag) and GET playlists and segments."""
    return {
        "CORSRules": [
            {
                "AllowedOrigins": origins,
                "AllowedMethods": ["PUT", "GET", "HEAD"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3600,
            }
        ]
    }


class Command(BaseCommand):
    help = "Создаёт бакет S3 и задаёт ему политику публичного чтения и правило CORS, нужные платформе."

    def add_arguments(self, parser):
        parser.add_argument("--origin", action="append", default=[], help="ещё один адрес сайта для CORS")
        parser.add_argument("--print", action="store_true", help="только показать политику и CORS, ничего не менять")
        parser.add_argument("--wait", type=int, default=0, help="сколько секунд ждать, пока хранилище ответит")

    def handle(self, *args, origin, **options):
        if settings.STORAGE_BACKEND != "s3":
            raise CommandError("Хранилище не S3 (STORAGE_BACKEND=local): настраивать нечего.")
        bucket = settings.AWS_STORAGE_BUCKET_NAME
        site = urlsplit(settings.SITE_URL)
        origins = [f"{site.scheme}://{site.netloc}", *origin]
        policy, cors = bucket_policy(bucket), cors_rules(origins)
        if options["print"]:
            self.stdout.write(json.dumps({"policy": policy, "cors": cors}, indent=2, ensure_ascii=False))
            return
        client = storage.s3_client()
        deadline = time.monotonic() + options["wait"]
        while True:
            try:
                client.list_buckets()
                break
            except Exception as error:  # the store is still starting (compose starts it beside us)
                if time.monotonic() >= deadline:
                    raise CommandError(f"Хранилище {settings.AWS_S3_ENDPOINT_URL or 'AWS'} не отвечает: {error}")
                time.sleep(1)
        try:
            client.head_bucket(Bucket=bucket)
        except client.exceptions.ClientError:
            region = settings.AWS_S3_REGION_NAME
            where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            client.create_bucket(Bucket=bucket, **where)
            self.stdout.write(f"Создан бакет {bucket}.")
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
        client.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
        self.stdout.write(
            self.style.SUCCESS(
                f"Бакет {bucket}: публичное чтение — {', '.join(settings.S3_PUBLIC_READ_PREFIXES)}; "
                f"CORS для {', '.join(origins)}."
            )
        )
