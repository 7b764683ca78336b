//! What the calls to librdkafka's admin API through rdkafka-sys share (the
//! ACL calls, the group offset reads): guards that free each C object on drop
//! (`Queue`, `Options`, `Event`), borrowing the client so they are always
//! freed before it, and the reading of errors and strings.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::time::Duration;

use rdkafka_sys::bindings as sys;
use rdkafka_sys::bindings::rd_kafka_resp_err_t as ErrorCode;

/// The admin client of a connection (`clients::Clients::admin`).
pub(super) type Client = super::clients::Admin;

/// Longest request timeout librdkafka accepts (one hour).
const MAX_REQUEST_TIMEOUT_MS: u128 = 3_600_000;
/// How much longer than the request timeout a result queue is polled: the
/// admin worker answers a request that timed out with a result event.
pub(super) const POLL_MARGIN_MS: c_int = 500;
pub(super) const ERRSTR_LEN: usize = 512;

/// A request timeout as librdkafka takes it: 1 ms to one hour.
pub(super) fn request_timeout_ms(timeout: Duration) -> c_int {
    c_int::try_from(timeout.as_millis().clamp(1, MAX_REQUEST_TIMEOUT_MS)).unwrap_or(c_int::MAX)
}

/// Errors that mean the cluster did not answer, rather than refused.
pub(super) fn is_unreachable(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::RD_KAFKA_RESP_ERR__TIMED_OUT
            | ErrorCode::RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE
            | ErrorCode::RD_KAFKA_RESP_ERR__TRANSPORT
            | ErrorCode::RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
            | ErrorCode::RD_KAFKA_RESP_ERR__RESOLVE
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BrokerError {
    pub(super) code: ErrorCode,
    pub(super) message: String,
}

/// A result queue of its own; destroyed on drop (before the client).
pub(super) struct Queue<'c> {
    ptr: NonNull<sys::rd_kafka_queue_t>,
    _client: PhantomData<&'c Client>,
}

impl<'c> Queue<'c> {
    pub(super) fn new(client: &'c Client) -> Result<Self, String> {
        // SAFETY: the client's rd_kafka_t is live for 'c, which outlives
        // the queue.
        let ptr = unsafe { sys::rd_kafka_queue_new(client.inner().native_ptr()) };
        let ptr = NonNull::new(ptr).ok_or("librdkafka could not make a result queue")?;
        Ok(Queue {
            ptr,
            _client: PhantomData,
        })
    }

    pub(super) fn as_ptr(&self) -> *mut sys::rd_kafka_queue_t {
        self.ptr.as_ptr()
    }

    pub(super) fn poll(&self, timeout_ms: c_int) -> Option<Event<'c>> {
        // SAFETY: the queue is live; the returned event (or NULL) is ours
        // to destroy, which `Event` does.
        let ptr = unsafe { sys::rd_kafka_queue_poll(self.ptr.as_ptr(), timeout_ms) };
        NonNull::new(ptr).map(|ptr| Event {
            ptr,
            _client: PhantomData,
        })
    }
}

impl Drop for Queue<'_> {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_queue_new, destroyed once, while the
        // client is still alive. A request still in flight keeps its own
        // reference on the underlying queue; destroying the owner disables
        // it, so a late result is freed by librdkafka, not queued.
        unsafe { sys::rd_kafka_queue_destroy(self.ptr.as_ptr()) }
    }
}

/// Admin options with the request timeout set; destroyed on drop.
pub(super) struct Options<'c> {
    ptr: NonNull<sys::rd_kafka_AdminOptions_t>,
    _client: PhantomData<&'c Client>,
}

impl<'c> Options<'c> {
    pub(super) fn new(
        client: &'c Client,
        op: sys::rd_kafka_admin_op_t,
        request_timeout_ms: c_int,
    ) -> Result<Self, String> {
        // SAFETY: the client's rd_kafka_t is live for 'c.
        let ptr = unsafe { sys::rd_kafka_AdminOptions_new(client.inner().native_ptr(), op) };
        let options = Options {
            ptr: NonNull::new(ptr).ok_or("librdkafka could not make admin options")?,
            _client: PhantomData,
        };
        let mut errstr: [c_char; ERRSTR_LEN] = [0; ERRSTR_LEN];
        // SAFETY: the options are live; errstr is a writable buffer of
        // ERRSTR_LEN bytes.
        let err = unsafe {
            sys::rd_kafka_AdminOptions_set_request_timeout(
                options.ptr.as_ptr(),
                request_timeout_ms,
                errstr.as_mut_ptr(),
                errstr.len(),
            )
        };
        if err != ErrorCode::RD_KAFKA_RESP_ERR_NO_ERROR {
            return Err(format!(
                "librdkafka refused the request timeout of {request_timeout_ms} ms: {}",
                errstr_text(&errstr)
            ));
        }
        Ok(options)
    }

    /// Tags the result event of the request made with these options with
    /// `tag` (read back by [`Event::tag`]). Never 0: that is "no tag".
    pub(super) fn set_tag(&mut self, tag: usize) {
        // SAFETY: the options are live. The opaque is a plain number, never
        // dereferenced by librdkafka or by us, so nothing is owned by it.
        unsafe {
            sys::rd_kafka_AdminOptions_set_opaque(
                self.ptr.as_ptr(),
                std::ptr::without_provenance_mut::<c_void>(tag),
            );
        }
    }

    pub(super) fn as_ptr(&self) -> *const sys::rd_kafka_AdminOptions_t {
        self.ptr.as_ptr()
    }
}

impl Drop for Options<'_> {
    fn drop(&mut self) {
        // SAFETY: made by rd_kafka_AdminOptions_new, destroyed once;
        // librdkafka copied them into the request when it was made
        // (rd_kafka_admin_request_op_new).
        unsafe { sys::rd_kafka_AdminOptions_destroy(self.ptr.as_ptr()) }
    }
}

/// A result event; destroyed on drop, with everything it owns.
pub(super) struct Event<'c> {
    ptr: NonNull<sys::rd_kafka_event_t>,
    _client: PhantomData<&'c Client>,
}

impl Event<'_> {
    pub(super) fn as_ptr(&self) -> *mut sys::rd_kafka_event_t {
        self.ptr.as_ptr()
    }

    pub(super) fn kind(&self) -> c_int {
        // SAFETY: the event is live.
        unsafe { sys::rd_kafka_event_type(self.ptr.as_ptr()) }
    }

    /// The tag set with [`Options::set_tag`] on the request (0: none).
    pub(super) fn tag(&self) -> usize {
        // SAFETY: the event is live; the opaque is only read as a number.
        unsafe { sys::rd_kafka_event_opaque(self.ptr.as_ptr()) }.addr()
    }

    /// The request-level error, if any.
    pub(super) fn error(&self) -> Option<BrokerError> {
        // SAFETY: the event is live. (The code is a valid variant for
        // librdkafka's own errors and the Kafka codes it knows; the rdkafka
        // crate reads it the same way.)
        let code = unsafe { sys::rd_kafka_event_error(self.ptr.as_ptr()) };
        if code == ErrorCode::RD_KAFKA_RESP_ERR_NO_ERROR {
            return None;
        }
        // SAFETY: the event is live; the string (or NULL) is owned by it
        // and copied at once.
        let message = unsafe { owned_string(sys::rd_kafka_event_error_string(self.ptr.as_ptr())) };
        Some(BrokerError { code, message })
    }

    /// The array of `count` pointers at `items` as a slice that lives no
    /// longer than the event.
    ///
    /// # Safety
    /// `items` is NULL or points at `count` pointers owned by this event.
    pub(super) unsafe fn items<T>(&self, items: *mut *const T, count: usize) -> &[*const T] {
        if items.is_null() || count == 0 {
            return &[];
        }
        // SAFETY: non-NULL, `count` initialised pointers, owned by the
        // event, which outlives the returned borrow (this fn's contract).
        unsafe { std::slice::from_raw_parts(items, count) }
    }
}

impl Drop for Event<'_> {
    fn drop(&mut self) {
        // SAFETY: the event came from rd_kafka_queue_poll and is destroyed
        // once, here; no borrow of its contents outlives it.
        unsafe { sys::rd_kafka_event_destroy(self.ptr.as_ptr()) }
    }
}

/// # Safety
/// `error` is NULL or a valid rd_kafka_error_t that lives during the call.
pub(super) unsafe fn broker_error(error: *const sys::rd_kafka_error_t) -> Option<BrokerError> {
    if error.is_null() {
        return None;
    }
    // SAFETY: non-NULL and valid (contract); the string is owned by the
    // error and copied at once.
    let (code, message) = unsafe {
        (
            sys::rd_kafka_error_code(error),
            owned_string(sys::rd_kafka_error_string(error)),
        )
    };
    (code != ErrorCode::RD_KAFKA_RESP_ERR_NO_ERROR).then_some(BrokerError { code, message })
}

/// Copies a C string owned by librdkafka; NULL gives an empty string.
///
/// # Safety
/// `s` is NULL or a NUL-terminated string valid during the call.
pub(super) unsafe fn owned_string(s: *const c_char) -> String {
    if s.is_null() {
        return String::new();
    }
    // SAFETY: non-NULL and NUL-terminated (contract).
    unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
}

/// The text librdkafka wrote into an errstr buffer (safe even if it wrote
/// no NUL).
pub(super) fn errstr_text(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
