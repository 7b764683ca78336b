"""The simplest mirror a user could script with confluent-kafka: consume from
the source topic and produce each record to the same partition of the target,
keeping key, value, headers and timestamp. The mesh bench's baseline.

usage: scripted_mirror.py SRC_BOOTSTRAP DST_BOOTSTRAP SRC_TOPIC DST_TOPIC COUNT
Prints the seconds from the first read to the last delivery."""
import sys
import time
import uuid

from confluent_kafka import Consumer, Producer

src, dst, src_topic, dst_topic, count = sys.argv[1:6]
count = int(count)
consumer = Consumer({
    "bootstrap.servers": src,
    "group.id": f"scripted-mirror-{uuid.uuid4()}",
    "auto.offset.reset": "earliest",
})
producer = Producer({"bootstrap.servers": dst, "acks": "all", "linger.ms": 5})
consumer.subscribe([src_topic])
copied = 0
started = None
while copied < count:
    for msg in consumer.consume(num_messages=1000, timeout=1.0):
        if msg.error():
            continue
        if started is None:
            started = time.monotonic()
        while True:
            try:
                producer.produce(dst_topic, value=msg.value(), key=msg.key(),
                                 headers=msg.headers(), partition=msg.partition(),
                                 timestamp=msg.timestamp()[1])
                break
            except BufferError:
                producer.poll(0.05)
        copied += 1
    producer.poll(0)
producer.flush()
print(f"{time.monotonic() - started:.3f}")
consumer.close()
