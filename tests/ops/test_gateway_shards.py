"""The gateway's state per shard (bot/ops/gateway.py): one shard without the gateway makes
the bot disconnected, however many others are up, since the moment that shard went."""

from __future__ import annotations

from bot.ops.gateway import GatewayState


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_shard_down_is_disconnected_until_it_is_back() -> None:
    clock = Clock()
    gateway = GatewayState(clock)
    assert not gateway.connected and gateway.disconnected_since == 100.0  # not ready yet
    gateway.resumed(0)
    gateway.resumed(1)
    gateway.ready()
    assert gateway.connected and gateway.disconnected_since is None
    clock.now = 200.0
    gateway.disconnected(1)
    clock.now = 230.0
    gateway.resumed(0)  # another shard's event does not bring shard 1 back
    assert not gateway.connected and gateway.disconnected_since == 200.0
    gateway.disconnected(0)
    assert gateway.disconnected_since == 200.0 and gateway.disconnects == 2
    gateway.resumed(1)
    assert not gateway.connected and gateway.disconnected_since == 230.0
    gateway.resumed(0)
    assert gateway.connected and gateway.disconnected_since is None


def test_an_unsharded_bot_is_shard_zero() -> None:
    clock = Clock()
    gateway = GatewayState(clock)
    gateway.ready()
    clock.now = 150.0
    gateway.disconnected()
    gateway.disconnected()  # (reported twice: counted once)
    assert (gateway.connected, gateway.disconnected_since, gateway.disconnects) == (False, 150.0, 1)
    gateway.resumed()
    assert gateway.connected
