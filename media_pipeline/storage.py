"""Prefix operations on the default storage that Django's Storage API lacks: write a file under an
exact name (overwrite, never "name_abc123"), move, list and delete a whole prefix. Two kinds of
storage are configured (config/settings.py): the local file system and S3 (django-storages).

Every function works on the public storage ("default") unless called inside `selected(private=True)`,
which points it at the private storage ("private": never served publicly) for unpublished videos."""

import errno
import mimetypes
import os
import shutil
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as S3ConnectionError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.views.static import serve
from storages.utils import clean_name

_alias = ContextVar("media_pipeline_storage", default="default")


@contextmanager
def selected(private):
    """Run the functions of this module against the private storage (private=True) or the public one."""
    token = _alias.set("private" if private else "default")
    try:
        yield
    finally:
        _alias.reset(token)


class PrivateStorage(LazyObject):
    """storages["private"], resolved on first use (a FileField's `storage=` callable can return it)."""

    def _setup(self):
        self._wrapped = storages["private"]


private_storage = PrivateStorage()


@receiver(setting_changed)
def _reset_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        private_storage._wrapped = empty


HLS_CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".vtt": "text/vtt",
}


def register_content_types():
    """Local media is served by django.views.static, which asks `mimetypes`; teach it HLS."""
    for extension, content_type in HLS_CONTENT_TYPES.items():
        mimetypes.add_type(content_type, extension)


def content_type(name):
    extension = os.path.splitext(name)[1].lower()
    return HLS_CONTENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def is_s3():
    return not isinstance(_storage(), FileSystemStorage)


def _storage():
    storage = storages[_alias.get()]
    if isinstance(storage, FileSystemStorage) or hasattr(storage, "bucket_name"):
        return storage
    raise ImproperlyConfigured("media_pipeline supports FileSystemStorage and S3Storage only.")


def s3_client():
    return _storage().connection.meta.client


def s3_bucket_name():
    return _storage().bucket_name


def s3_key(name, storage=None):
    """The object key django-storages uses for a storage name (it may add a `location` prefix)."""
    return (storage or _storage())._normalize_name(clean_name(name))


def put_file(local_path, name):
    """Store a local file under exactly `name`, replacing what is there."""
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local_path, target)
        os.chmod(target, 0o644)
    else:
        s3_client().upload_file(
            str(local_path),
            storage.bucket_name,
            s3_key(name),
            ExtraArgs={"ContentType": content_type(name), "CacheControl": cache_control(name)},
        )


def put_text(text, name):
    storage = _storage()
    data = text.encode("utf-8")
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)  # readers see the old file or the new one, never half of it
    else:
        s3_client().put_object(
            Bucket=storage.bucket_name,
            Key=s3_key(name),
            Body=data,
            ContentType=content_type(name),
            CacheControl=cache_control(name),
        )


def cache_control(name):
    if _alias.get() == "private":
        return "private, no-store"
    # Playlists and captions can be rewritten (captions added); segments and images never change.
    return "public, max-age=60" if name.endswith((".m3u8", ".vtt")) else "public, max-age=86400"


def move(source, target):
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        destination = Path(storage.path(target))
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(storage.path(source), destination)
    else:
        client = s3_client()
        client.copy_object(
            Bucket=storage.bucket_name,
            Key=s3_key(target),
            CopySource={"Bucket": storage.bucket_name, "Key": s3_key(source)},
            ContentType=content_type(target),
            CacheControl=cache_control(target),
            MetadataDirective="REPLACE",
        )
        client.delete_object(Bucket=storage.bucket_name, Key=s3_key(source))


def list_prefix(prefix):
    """Storage names of every file under a prefix (ending in '/')."""
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        root = Path(storage.path(prefix))
        if not root.is_dir():
            return []
        base = Path(storage.location)
        return sorted(str(p.relative_to(base)) for p in root.rglob("*") if p.is_file())
    names = []
    paginator = s3_client().get_paginator("list_objects_v2")
    key_prefix = s3_key(prefix).rstrip("/") + "/"
    location = s3_key("x")[:-1]  # the storage's location prefix, if any
    for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=key_prefix):
        names += [item["Key"][len(location) :] for item in page.get("Contents", [])]
    return sorted(names)


def delete_prefix(prefix):
    """Delete every file under a prefix (ending in '/'); nothing there is fine."""
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        shutil.rmtree(storage.path(prefix), ignore_errors=True)
        return
    delete_many(list_prefix(prefix))


def delete_many(names):
    """Delete these files (one request per thousand on S3); missing ones are fine."""
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        root = Path(storage.location).resolve()
        for name in names:
            storage.delete(name)
            folder = Path(storage.path(name)).parent
            while folder != root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()  # like a bucket, the disk keeps no empty folders
                folder = folder.parent
        return
    client = s3_client()
    keys = [s3_key(name) for name in names]
    for start in range(0, len(keys), 1000):
        client.delete_objects(
            Bucket=storage.bucket_name,
            Delete={"Objects": [{"Key": key} for key in keys[start : start + 1000]], "Quiet": True},
        )


def move_in(local_file, name):
    """Put a local file under `name` and remove the local one (a rename on the same disk)."""
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(local_file, target)
        os.chmod(target, 0o644)
    else:
        put_file(local_file, name)
        Path(local_file).unlink(missing_ok=True)


def delete(name):
    _storage().delete(name)


def open_file(name):
    """A stored file opened for reading in binary mode."""
    return _storage().open(name, "rb")


def open_text(name):
    return _TextFile(name)


class _TextFile:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        with _storage().open(self.name, "rb") as file:
            return file.read().decode("utf-8")

    def __exit__(self, *exc):
        return False


def probe_input(name, head_size=8192):
    """(what ffprobe opens, the file's first bytes): a local path, or a presigned GET URL so a big
    S3 object is probed through range requests instead of being downloaded."""
    storage = _storage()
    with storage.open(name, "rb") as file:
        head = file.read(head_size)
    if isinstance(storage, FileSystemStorage):
        return storage.path(name), head
    url = s3_client().generate_presigned_url(
        "get_object", Params={"Bucket": storage.bucket_name, "Key": s3_key(name)}, ExpiresIn=3600
    )
    return url, head


def object_size(name):
    """Size in bytes of a stored file, or None when it does not exist."""
    storage = _storage()
    if not storage.exists(name):
        return None
    return storage.size(name)


def local_path(name):
    """A path ffmpeg can open directly, or None when the storage is remote."""
    storage = _storage()
    return storage.path(name) if isinstance(storage, FileSystemStorage) else None


def download(name, target, on_chunk=None):
    """Copy a stored file to a local path, calling on_chunk() now and then (heartbeats)."""
    with _storage().open(name, "rb") as source, open(target, "wb") as out:
        while chunk := source.read(8 * 1024 * 1024):
            out.write(chunk)
            if on_chunk:
                on_chunk()


def copy_to_public(name):
    """Copy a file of the private storage to the same name in the public storage (overwriting)."""
    _copy(name, "private", "default")


def copy_to_private(name):
    """Copy a file of the public storage to the same name in the private storage (overwriting)."""
    _copy(name, "default", "private")


def _copy(name, source_alias, target_alias):
    source, target = storages[source_alias], storages[target_alias]
    with selected(private=target_alias == "private"):
        if isinstance(source, FileSystemStorage):
            put_file(source.path(name), name)
        elif hasattr(target, "bucket_name"):
            s3_client().copy_object(
                Bucket=target.bucket_name,
                Key=s3_key(name, target),
                CopySource={"Bucket": source.bucket_name, "Key": s3_key(name, source)},
                ContentType=content_type(name),
                CacheControl=cache_control(name),
                MetadataDirective="REPLACE",
            )
        else:
            raise ImproperlyConfigured("A private S3 storage needs the public storage on S3 too.")


# What the store answers when it is itself in trouble or refuses the platform, not the request.
UNAVAILABLE_S3_CODES = {"NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
UNAVAILABLE_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


def is_unavailable(error):
    """Whether an exception means the storage does not work (unreachable, failing, full, refusing
    our credentials), so the answer is "try later" (503) rather than a fault of the request."""
    if isinstance(error, S3ConnectionError | HTTPClientError):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return status >= 500 or error.response.get("Error", {}).get("Code") in UNAVAILABLE_S3_CODES
    return isinstance(error, OSError) and error.errno in UNAVAILABLE_DISK_ERRNOS


def serve_local_media(request, path, document_root=None, show_indexes=False):
    """Development's /media/ (config/urls.py): Django's static view, plus the Cache-Control the
    bucket gives the same files (`cache_control`), so a browser keeps a segment it has read once,
    as it does in production (Chromium's own HLS reads the first segment twice before it plays)."""
    response = serve(request, path, document_root=document_root, show_indexes=show_indexes)
    if path.startswith("video/") and response.status_code == 200:
        response["Cache-Control"] = cache_control(path)
    return response
