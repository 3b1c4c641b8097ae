"""A lease row in the application database: whoever holds it unexpired is the one scheduler that acts.

The holder renews it every few seconds; a standby polls and takes it once it has expired. Times are the
application's UTC clock, so the lease length must be well above any clock skew between the machines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_, update
from sqlalchemy.exc import IntegrityError

from workflows.persistence import SchedulerLeaseRow
from workflows.settings import utc_now

__all__ = ["SCHEDULER_LEASE", "Lease"]

SCHEDULER_LEASE = "scheduler"
_leases = SchedulerLeaseRow.__table__


class Lease:
    """One named lease, seen from one would-be holder."""

    def __init__(
        self,
        engine: Engine,
        holder: str,
        ttl: timedelta,
        name: str = SCHEDULER_LEASE,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine, self.holder, self.ttl, self.name, self._clock = engine, holder, ttl, name, clock

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours (renewing it); True when we hold it after."""
        now = self._clock()
        with self._engine.begin() as connection:
            taken = connection.execute(
                update(_leases)
                .where(_leases.c.name == self.name, or_(_leases.c.holder == self.holder, _leases.c.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.ttl)
            ).rowcount
        return taken == 1 or self._create(now)

    def _create(self, now: datetime) -> bool:
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    _leases.insert().values(
                        name=self.name, holder=self.holder, acquired_at=now, expires_at=now + self.ttl
                    )
                )
        except IntegrityError:
            return False  # someone else holds it
        return True

    def renew(self) -> bool:
        """Extend our unexpired lease; False when it was lost (expired and taken, or never ours)."""
        now = self._clock()
        with self._engine.begin() as connection:
            return bool(
                connection.execute(
                    update(_leases)
                    .where(_leases.c.name == self.name, _leases.c.holder == self.holder, _leases.c.expires_at >= now)
                    .values(expires_at=now + self.ttl)
                ).rowcount
                == 1
            )

    def release(self) -> None:
        """Give the lease up at once, so a standby need not wait for it to expire."""
        with self._engine.begin() as connection:
            connection.execute(delete(_leases).where(_leases.c.name == self.name, _leases.c.holder == self.holder))
