"""Confluent's Python client authenticates to Switchboard's schema registry
with application tokens, as `basic.auth.user.info` sends them.

Run by server/tests/registry_client.rs with the registry URL, an event's topic,
the owning team's credential (`<key id>:<secret>`) and another team's. Every
step asserts; the last line printed is a JSON summary.
"""

import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

V1 = {
    "type": "record",
    "name": "CustomerUpdated",
    "namespace": "com.example.crm",
    "fields": [
        {"name": "customerId", "type": "string"},
        {"name": "segment", "type": "string"},
    ],
}
V2 = dict(V1, fields=V1["fields"] + [{"name": "note", "type": ["null", "string"], "default": None}])


def refused_status(call):
    try:
        call()
    except SchemaRegistryError as e:
        return e.http_status_code
    raise AssertionError("the call was not refused")


def main(url, topic, owner_cred, outsider_cred):
    subject = f"{topic}-value"
    ctx = SerializationContext(topic, MessageField.VALUE)
    summary = {}

    owner = SchemaRegistryClient({"url": url, "basic.auth.user.info": owner_cred})
    v1_id = owner.register_schema(subject, Schema(json.dumps(V1), "AVRO"))
    serializer = AvroSerializer(owner, json.dumps(V1), conf={"auto.register.schemas": True})
    record = {"customerId": "C-42", "segment": "gold"}
    data = serializer(record, ctx)
    assert int.from_bytes(data[1:5], "big") == v1_id, data[:5]
    deserializer = AvroDeserializer(owner)
    assert deserializer(data, ctx) == record
    summary["v1_id"] = v1_id

    outsider = SchemaRegistryClient({"url": url, "basic.auth.user.info": outsider_cred})
    # Reads are open to any valid token; writes to another team's subject are not.
    assert outsider.get_latest_version(subject).schema_id == v1_id
    summary["outsider_register"] = refused_status(
        lambda: outsider.register_schema(subject, Schema(json.dumps(V2), "AVRO")))
    try:
        AvroSerializer(outsider, json.dumps(V2), conf={"auto.register.schemas": True})(record, ctx)
        raise AssertionError("the other team's serializer registered a version")
    except Exception as e:  # the serializer surfaces the registry's refusal
        summary["outsider_serializer"] = str(e)

    key_id = owner_cred.split(":")[0]
    wrong = SchemaRegistryClient({"url": url, "basic.auth.user.info": f"{key_id}:{'0' * 64}"})
    summary["wrong_secret"] = refused_status(lambda: wrong.get_subjects())

    versions = owner.get_versions(subject)
    assert versions == [1], versions
    summary["versions"] = versions
    print(json.dumps(summary))


if __name__ == "__main__":
    main(*sys.argv[1:5])
