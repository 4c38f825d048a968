"""Senders that talk to real gateways (Aliyun SMS, WeCom group robots), chosen per channel in
settings (``MINHU_NOTIFY_SENDERS``). Each records the gateway's answer as a receipt
(``notify.receipts``) and raises on refusal, so the outbox marks the message failed with the reason."""
