"""Confluent's own Python client against Switchboard's schema registry.

Run by server/tests/registry_client.rs with the registry URL, a broker's
bootstrap address and a fresh topic. Every step asserts; the last line printed
is a JSON summary. Exits non-zero on the first failure.
"""

import json
import sys

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

V1 = {
    "type": "record",
    "name": "FieldJobDispatched",
    "namespace": "com.example.field",
    "doc": "A field engineer was sent to a job.",
    "fields": [
        {"name": "jobId", "type": "string"},
        {"name": "engineerId", "type": "string"},
        {"name": "priority", "type": {"type": "enum", "name": "Priority",
                                      "symbols": ["LOW", "NORMAL", "HIGH"]}},
        {"name": "dispatchedAt", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}
# Adds an optional field with a default: BACKWARD compatible.
V2 = dict(V1, fields=V1["fields"] + [{"name": "note", "type": ["null", "string"], "default": None}])
# Adds a required field without a default: not BACKWARD compatible.
BAD = dict(V1, fields=V1["fields"] + [{"name": "crew", "type": "int"}])


def main(registry_url, bootstrap, topic):
    client = SchemaRegistryClient({"url": registry_url})
    subject = f"{topic}-value"
    summary = {}

    v1_id = client.register_schema(subject, Schema(json.dumps(V1), "AVRO"))
    assert client.register_schema(subject, Schema(json.dumps(V1), "AVRO")) == v1_id
    fetched = client.get_schema(v1_id)
    assert json.loads(fetched.schema_str)["name"] == "FieldJobDispatched", fetched.schema_str
    latest = client.get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (v1_id, 1), latest
    summary["v1_id"] = v1_id

    assert client.test_compatibility(subject, Schema(json.dumps(V2), "AVRO"))
    assert not client.test_compatibility(subject, Schema(json.dumps(BAD), "AVRO"))
    try:
        client.register_schema(subject, Schema(json.dumps(BAD), "AVRO"))
        raise AssertionError("an incompatible schema was registered")
    except SchemaRegistryError as e:
        assert e.http_status_code == 409, e
        summary["refused"] = e.error_message

    # The client hands back the registry's answer body, as Confluent sends it.
    assert client.set_compatibility(subject, "FULL") == {"compatibility": "FULL"}
    assert client.get_compatibility(subject) == "FULL"
    v2_id = client.register_schema(subject, Schema(json.dumps(V2), "AVRO"))
    assert v2_id != v1_id
    assert client.get_versions(subject) == [1, 2]
    summary["v2_id"] = v2_id

    # Serialise with the registry, through a real broker, and read it back.
    serializer = AvroSerializer(client, json.dumps(V2))
    deserializer = AvroDeserializer(client)
    record = {"jobId": "J-1", "engineerId": "E-7", "priority": "HIGH",
              "dispatchedAt": 1764288000000, "note": "gate code 1234"}
    ctx = SerializationContext(topic, MessageField.VALUE)
    payload = serializer(record, ctx)
    assert payload[0] == 0 and int.from_bytes(payload[1:5], "big") == v2_id
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(topic, value=payload)
    assert producer.flush(30) == 0, "produce did not complete"

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-reader",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    try:
        message = None
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                break
        assert message is not None and message.error() is None, "no message read back"
        back = deserializer(message.value(), ctx)
    finally:
        consumer.close()
    assert back["note"] == "gate code 1234" and back["priority"] == "HIGH", back
    summary["read_back"] = back
    print(json.dumps(summary, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:4])
