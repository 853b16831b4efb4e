"""Notifications' operations, split by what they are for. Import the modules themselves
(`from notifications.services.notify import notify`): this package re-exports nothing, so tasks
may import the sending modules while `notify` enqueues those tasks."""
