"""The Redis broker transport, made to survive a Redis restart while a task is in flight.

On a lost broker connection Celery 5.7's consumer detaches the transport from the connection
and then closes it; closing the channel tries to put the in-flight (unacknowledged) messages
back into Redis, and a task finishing later acknowledges its message on that same channel.
Both need the detached connection's parameters, so kombu raises AttributeError, which is no
connection error: the worker takes it as unrecoverable and exits. Raising a connection error
instead lets kombu and Celery do what they do for a dead connection: skip the restore, log
the failed ack, and reconnect. Nothing is lost by that: unacknowledged messages stay in
Redis's unacked set and are delivered again after the visibility timeout (every task is
idempotent), and a Redis restarted empty had nothing to restore; the task itself kept
running and recorded its work in the database.
"""

from __future__ import annotations

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


class RedisChannel(redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection was closed after a connection loss")
        return super()._connparams(asynchronous=asynchronous)


class RedisTransport(redis.Transport):
    Channel = RedisChannel
