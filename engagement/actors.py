"""Who acts in the ledger: a signed-in account, or a VKontakte user known only by id."""

from dataclasses import dataclass


@dataclass(frozen=True)
class VkActor:
    """An actor known only by a VKontakte user id (likes and reposts on the project's VK posts)."""

    vk_id: int


def actor_identity(actor):
    """(ledger fields, lock label) for a user, a VkActor or None (anonymous: no label)."""
    if actor is None or getattr(actor, "is_anonymous", False):
        return {"actor_user_id": None, "actor_vk_id": None}, None
    if isinstance(actor, VkActor):
        return {"actor_user_id": None, "actor_vk_id": int(actor.vk_id)}, f"vk:{int(actor.vk_id)}"
    return {"actor_user_id": actor.pk, "actor_vk_id": None}, f"user:{actor.pk}"
