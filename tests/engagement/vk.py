"""VKontakte Callback API events shaped as VKontakte documents them (callback_like_add_remove and
a wall post with copy_history for wall_repost), for a fake VKontakte that the tests play."""

import uuid

GROUP_ID = 218_000_001
SECRET = "vk-secret-for-tests"
CONFIRMATION = "a1b2c3d4"


def _event(kind, obj, group_id=GROUP_ID, secret=SECRET, event_id=None):
    return {
        "type": kind,
        "object": obj,
        "group_id": group_id,
        "event_id": event_id or uuid.uuid4().hex[:40],
        "v": "5.199",
        "secret": secret,
    }


def like(liker_id, post_id, *, add=True, group_id=GROUP_ID, **kwargs):
    obj = {
        "liker_id": liker_id,
        "object_type": "post",
        "object_owner_id": -group_id,
        "object_id": post_id,
        "post_id": 0,
        "thread_reply_id": 0,
    }
    return _event("like_add" if add else "like_remove", obj, group_id=group_id, **kwargs)


def repost(reposter_id, post_id, *, group_id=GROUP_ID, repost_id=9001, **kwargs):
    obj = {
        "id": repost_id,
        "from_id": reposter_id,
        "owner_id": reposter_id,
        "date": 1_790_000_000,
        "post_type": "post",
        "text": "",
        "copy_history": [
            {
                "id": post_id,
                "owner_id": -group_id,
                "from_id": -group_id,
                "date": 1_789_990_000,
                "post_type": "post",
                "text": "Каждый лайк — рубль на лечение детей",
            }
        ],
    }
    return _event("wall_repost", obj, group_id=group_id, **kwargs)


def confirmation(group_id=GROUP_ID):
    return {"type": "confirmation", "group_id": group_id}
