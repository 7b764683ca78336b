//! librdkafka's `rd_kafka_ListConsumerGroupOffsets` (a FindCoordinator and an
//! OffsetFetch per group) behind a safe function. librdkafka takes one group
//! per call, so many calls are kept in flight on one admin client and one
//! result queue, each result matched to its group by its request's tag. Each
//! C object is owned by a guard (`Partitions`, `Request` here; `Queue`,
//! `Options`, `Event` in `kafka::native`) that frees it on drop.

use std::ffi::{c_int, CStr, CString};
use std::ptr::{addr_of, NonNull};
use std::time::{Duration, Instant};

use rdkafka_sys::bindings as sys;
use rdkafka_sys::bindings::rd_kafka_resp_err_t as ErrorCode;

use crate::kafka::native::{
    broker_error, owned_string, request_timeout_ms, BrokerError, Client, Event, Options, Queue,
    POLL_MARGIN_MS,
};

/// One group's read: the partitions are not empty and have no duplicates
/// (librdkafka refuses both).
pub(super) struct GroupRead {
    pub(super) group: CString,
    pub(super) partitions: Vec<(CString, i32)>,
}

#[derive(Debug)]
pub(super) enum GroupReply {
    /// (topic, partition, offset) of each wanted partition that has a
    /// committed offset.
    Committed(Vec<(String, i32, i64)>),
    Failed(BrokerError),
    /// Not sent, or not answered, before the deadline.
    NoAnswer,
}

fn local_error(message: String) -> BrokerError {
    BrokerError {
        code: ErrorCode::RD_KAFKA_RESP_ERR__FAIL,
        message,
    }
}

/// Reads the committed offsets of every group, at most `in_flight` requests
/// at once, all within `timeout`; one reply per read, in order.
pub(super) fn list_group_offsets(
    client: &Client,
    reads: &[GroupRead],
    timeout: Duration,
    in_flight: usize,
) -> Result<Vec<GroupReply>, String> {
    let deadline = Instant::now() + timeout;
    let last_poll = deadline + Duration::from_millis(POLL_MARGIN_MS.unsigned_abs().into());
    let queue = Queue::new(client)?;
    let mut replies: Vec<GroupReply> = reads.iter().map(|_| GroupReply::NoAnswer).collect();
    let mut waiting = vec![false; reads.len()];
    let mut pending = 0usize;
    let mut next = 0usize;
    loop {
        while pending < in_flight.max(1) && next < reads.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            // Tags start at 1: 0 is an event without one.
            match send(client, &queue, &reads[next], next + 1, left) {
                Ok(()) => {
                    waiting[next] = true;
                    pending += 1;
                }
                Err(e) => replies[next] = GroupReply::Failed(local_error(e)),
            }
            next += 1;
        }
        if pending == 0 {
            break;
        }
        let wait = last_poll.saturating_duration_since(Instant::now());
        let wait_ms = c_int::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(c_int::MAX);
        let Some(event) = queue.poll(wait_ms) else {
            if Instant::now() >= last_poll {
                break;
            }
            continue;
        };
        let Some(i) = event
            .tag()
            .checked_sub(1)
            .filter(|&i| waiting.get(i) == Some(&true))
        else {
            continue; // Not a request of this call: dropped (freed).
        };
        waiting[i] = false;
        pending -= 1;
        replies[i] = read_reply(&event, &reads[i].group);
    }
    Ok(replies)
}

/// Sends one group's request, tagged `tag`, with `left` as its timeout.
fn send(
    client: &Client,
    queue: &Queue<'_>,
    read: &GroupRead,
    tag: usize,
    left: Duration,
) -> Result<(), String> {
    let partitions = Partitions::new(&read.partitions)?;
    let request = Request::new(&read.group, &partitions)?;
    let mut options = Options::new(
        client,
        sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
        request_timeout_ms(left),
    )?;
    options.set_tag(tag);
    let mut one = [request.0.as_ptr()];
    // SAFETY: the client, options and queue are live; `one` is an array of
    // one valid request. librdkafka copies the request and the options
    // before returning (rd_kafka_ListConsumerGroupOffsets_copy,
    // rd_kafka_AdminOptions_copy_to), so the guards may free ours after;
    // the answer, or a refusal of the arguments, comes as an event on the
    // queue.
    unsafe {
        sys::rd_kafka_ListConsumerGroupOffsets(
            client.inner().native_ptr(),
            one.as_mut_ptr(),
            1,
            options.as_ptr(),
            queue.as_ptr(),
        );
    }
    Ok(())
}

fn read_reply(event: &Event<'_>, group: &CStr) -> GroupReply {
    let kind = event.kind();
    if kind != sys::RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT {
        return GroupReply::Failed(local_error(format!(
            "librdkafka answered with event type {kind}, not {}",
            sys::RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT
        )));
    }
    // With one group per request, a group-level error is the request's.
    if let Some(error) = event.error() {
        return GroupReply::Failed(error);
    }
    // SAFETY: the event is live and of type LISTCONSUMERGROUPOFFSETS_RESULT;
    // the result is the event itself.
    let result = unsafe { sys::rd_kafka_event_ListConsumerGroupOffsets_result(event.as_ptr()) };
    if result.is_null() {
        return GroupReply::Failed(local_error(
            "librdkafka returned no ListConsumerGroupOffsets result".into(),
        ));
    }
    let mut count = 0usize;
    // SAFETY: `result` is a valid result; `count` is a valid out pointer.
    let groups =
        unsafe { sys::rd_kafka_ListConsumerGroupOffsets_result_groups(result, &mut count) };
    // SAFETY: an array of `count` group results owned by the event (or NULL).
    let groups = unsafe { event.items(groups, count) };
    for &g in groups {
        // SAFETY: `g` is a valid group result owned by the event; its name
        // is NUL-terminated and owned by it.
        let name = unsafe { sys::rd_kafka_group_result_name(g) };
        // SAFETY: NULL-checked; valid while the event lives.
        if name.is_null() || unsafe { CStr::from_ptr(name) } != group {
            continue;
        }
        // SAFETY: `g` is valid; its error (or NULL) is owned by it.
        if let Some(error) = unsafe { broker_error(sys::rd_kafka_group_result_error(g)) } {
            return GroupReply::Failed(error);
        }
        // SAFETY: `g` is valid; its partition list (or NULL) is owned by it.
        return GroupReply::Committed(unsafe {
            committed_of(sys::rd_kafka_group_result_partitions(g))
        });
    }
    GroupReply::Failed(local_error(format!(
        "librdkafka returned no result for group {}",
        group.to_string_lossy()
    )))
}

/// The partitions with a committed offset (librdkafka sets -1001 where the
/// group has none) and no error of their own.
///
/// # Safety
/// `list` is NULL or a valid partition list that lives during the call.
unsafe fn committed_of(
    list: *const sys::rd_kafka_topic_partition_list_t,
) -> Vec<(String, i32, i64)> {
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: non-NULL and valid (contract): `elems` holds `cnt` elements.
    let (elems, cnt) = unsafe { ((*list).elems, (*list).cnt) };
    let cnt = usize::try_from(cnt).unwrap_or(0);
    if elems.is_null() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(cnt);
    for i in 0..cnt {
        // SAFETY: i < cnt, within the array. Fields are read through raw
        // pointers; `err` as its i32 representation, since a broker may send
        // a code the Rust enum does not have.
        let (topic, partition, offset, err) = unsafe {
            let e = elems.add(i);
            (
                (*e).topic,
                (*e).partition,
                (*e).offset,
                addr_of!((*e).err).cast::<i32>().read(),
            )
        };
        if err != ErrorCode::RD_KAFKA_RESP_ERR_NO_ERROR as i32 || offset < 0 {
            continue;
        }
        // SAFETY: the topic is a NUL-terminated string owned by the list.
        out.push((unsafe { owned_string(topic) }, partition, offset));
    }
    out
}

/// A partition list made by librdkafka; destroyed on drop.
struct Partitions(NonNull<sys::rd_kafka_topic_partition_list_t>);

impl Partitions {
    fn new(partitions: &[(CString, i32)]) -> Result<Self, String> {
        let size = c_int::try_from(partitions.len()).map_err(|_| "too many partitions")?;
        // SAFETY: allocates an empty list, ours to destroy.
        let ptr = unsafe { sys::rd_kafka_topic_partition_list_new(size) };
        let list = Partitions(NonNull::new(ptr).ok_or("librdkafka could not make a list")?);
        for (topic, partition) in partitions {
            // SAFETY: the list is live; the topic is NUL-terminated and
            // librdkafka copies it. The returned element is owned by the
            // list.
            unsafe {
                sys::rd_kafka_topic_partition_list_add(list.0.as_ptr(), topic.as_ptr(), *partition);
            }
        }
        Ok(list)
    }
}

impl Drop for Partitions {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_topic_partition_list_new, destroyed once.
        unsafe { sys::rd_kafka_topic_partition_list_destroy(self.0.as_ptr()) }
    }
}

/// One group's request object; destroyed on drop.
struct Request(NonNull<sys::rd_kafka_ListConsumerGroupOffsets_t>);

impl Request {
    fn new(group: &CStr, partitions: &Partitions) -> Result<Self, String> {
        // SAFETY: the name is NUL-terminated and the list live; librdkafka
        // copies both (memcpy, rd_kafka_topic_partition_list_copy).
        let ptr = unsafe {
            sys::rd_kafka_ListConsumerGroupOffsets_new(group.as_ptr(), partitions.0.as_ptr())
        };
        Ok(Request(NonNull::new(ptr).ok_or(
            "librdkafka could not make a group offsets request",
        )?))
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_ListConsumerGroupOffsets_new, destroyed
        // once; librdkafka keeps its own copy for the request in flight.
        unsafe { sys::rd_kafka_ListConsumerGroupOffsets_destroy(self.0.as_ptr()) }
    }
}
