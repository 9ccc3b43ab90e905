//! DICOM probe: proposes an association for the Verification SOP class with made-up AE titles
//! (calling "VENDOR-AUDIT", called "ANY-SCP"); if accepted, sends a C-ECHO and releases the
//! association politely. Records whether a stranger's association is accepted, and why not.

use tokio::io::AsyncWriteExt;
use tokio::time::{timeout_at, Duration, Instant};

use crate::fact::Facts;
use crate::msgs::banner::hex;
use crate::msgs::dicom::{self as d, AssociateAnswer};

use super::net::{read_message, read_until, NetError};
use super::{Answer, Endpoint, ProbeContext, Protocol};

/// How long we wait for the A-RELEASE-RP before closing anyway.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

fn read_err(e: NetError) -> Answer {
    match e {
        NetError::ReadTimeout => Answer::Silent,
        other => Answer::Failed(other.to_string()),
    }
}

/// Tries the DICOM handshake on `ep`, all before `deadline`.
///
/// Facts of an identified server:
/// - `service.protocol` (str) = "dicom"; `dicom.calling_ae`, `dicom.called_ae` (str) the
///   made-up titles we used;
/// - `dicom.association` (str) "accepted" | "rejected" | "aborted";
/// - `dicom.accepts_unknown_ae` (bool): true when the association was accepted for our made-up
///   titles, false when the application rejected it permanently (A-ASSOCIATE-RJ result 1,
///   source service-user), unavailable for a transient/provider rejection or an A-ABORT;
/// - `dicom.reject_reason` (str) e.g. "called-AE-title-not-recognized (rejected-permanent by
///   DICOM UL service-user)"; `dicom.abort_reason` (str);
/// - `dicom.verification_context` (str): the result for Verification ("acceptance", ...);
/// - `dicom.echo_status` (int, 0 = success) and `dicom.echo_status_name` (str);
/// - `dicom.implementation_class_uid`, `dicom.implementation_version` (str) when sent.
pub async fn identify(ctx: &ProbeContext, ep: &Endpoint, deadline: Instant) -> Answer {
    let conn = match timeout_at(deadline, ctx.connect(ep.addr)).await {
        Err(_) => return Answer::Silent,
        Ok(Err(e)) => return Answer::Failed(e.to_string()),
        Ok(Ok(c)) => c,
    };
    let mut s = conn.stream;
    let max = ctx.limits.max_message.min(d::MAX_PDU_LEN);
    let rq = d::build_associate_rq(d::OUR_CALLING_AE, d::OUR_CALLED_AE);
    match timeout_at(deadline, s.write_all(&rq)).await {
        Err(_) => return Answer::Silent,
        Ok(Err(e)) => return Answer::Failed(format!("sending A-ASSOCIATE-RQ: {e}")),
        Ok(Ok(())) => {}
    }
    let answer = match read_until(&mut s, max, deadline, d::pdu_complete).await {
        (b, None) => b,
        // What came before the answer stopped (a PDU claiming 4 GiB, a reset) is evidence.
        (partial, Some(_)) if !partial.is_empty() => {
            return Answer::NotThis(partial.into_iter().take(64).collect())
        }
        (_, Some(e)) => return read_err(e),
    };
    let parsed = match d::parse_associate_answer(&answer) {
        Ok(p) => p,
        Err(_) => return Answer::NotThis(answer.into_iter().take(64).collect()),
    };
    let mut f = Facts::new();
    f.set("service.protocol", Protocol::Dicom.name());
    f.set("dicom.calling_ae", d::OUR_CALLING_AE);
    f.set("dicom.called_ae", d::OUR_CALLED_AE);
    match parsed {
        AssociateAnswer::Rejected(rj) => {
            f.set("dicom.association", "rejected");
            f.set("dicom.reject_reason", rj.describe());
            if rj.result == 1 && rj.source == 1 {
                // The application itself refused us for good (e.g. unknown called AE).
                f.set("dicom.accepts_unknown_ae", false);
            } else {
                // Congestion, a provider-side refusal, ...: says nothing about AE checks.
                f.unavailable(
                    "dicom.accepts_unknown_ae",
                    format!(
                        "rejected for a reason unrelated to AE titles: {}",
                        rj.describe()
                    ),
                );
            }
            f.unavailable("dicom.echo_status", "the association was rejected");
        }
        AssociateAnswer::Aborted(ab) => {
            f.set("dicom.association", "aborted");
            f.set("dicom.abort_reason", ab.describe());
            f.unavailable(
                "dicom.accepts_unknown_ae",
                format!(
                    "the server aborted instead of answering the association: {}",
                    ab.describe()
                ),
            );
            f.unavailable("dicom.echo_status", "the association was aborted");
        }
        AssociateAnswer::Accepted(ac) => {
            f.set("dicom.association", "accepted");
            // Accepting an association from AE titles it cannot know is the exposure, whatever
            // the echo then does: a stranger can now send DIMSE requests.
            f.set("dicom.accepts_unknown_ae", true);
            if let Some(uid) = &ac.implementation_class_uid {
                f.set("dicom.implementation_class_uid", uid.clone());
            }
            if let Some(v) = &ac.implementation_version {
                f.set("dicom.implementation_version", v.clone());
            }
            let pc = ac.context(d::ECHO_PC_ID);
            let pc_result = pc.map(|p| p.result);
            f.set(
                "dicom.verification_context",
                pc_result.map_or("absent from the answer", d::presentation_result_name),
            );
            if pc_result == Some(0) {
                echo(&mut s, max, deadline, &mut f).await;
            } else {
                f.unavailable(
                    "dicom.echo_status",
                    "the Verification presentation context was not accepted",
                );
                release(&mut s, max, deadline).await;
            }
        }
    }
    Answer::Identified(f)
}

/// Sends C-ECHO-RQ, reads the C-ECHO-RSP (possibly in several fragments), then releases.
async fn echo(s: &mut tokio::net::TcpStream, max: usize, deadline: Instant, f: &mut Facts) {
    const MESSAGE_ID: u16 = 1;
    if !matches!(
        timeout_at(
            deadline,
            s.write_all(&d::build_echo_rq(d::ECHO_PC_ID, MESSAGE_ID))
        )
        .await,
        Ok(Ok(()))
    ) {
        f.unavailable(
            "dicom.echo_status",
            "the connection broke while sending C-ECHO-RQ",
        );
        return;
    }
    let mut command = Vec::new();
    for _ in 0..64 {
        let pdu = match read_message(s, max, deadline, d::pdu_complete).await {
            Ok(b) => b,
            Err(e) => {
                f.unavailable("dicom.echo_status", format!("no C-ECHO-RSP: {e}"));
                return;
            }
        };
        if let Ok(ab) = d::parse_abort(&pdu) {
            f.unavailable(
                "dicom.echo_status",
                format!("the server aborted after C-ECHO-RQ: {}", ab.describe()),
            );
            return;
        }
        let pdvs = match d::parse_p_data(&pdu) {
            Ok(p) => p,
            Err(e) => {
                f.unavailable(
                    "dicom.echo_status",
                    format!("unexpected answer to C-ECHO-RQ ({e}): {}", hex(&pdu, 32)),
                );
                return;
            }
        };
        let mut last = false;
        for pdv in pdvs.iter().filter(|p| p.is_command) {
            if command.len() + pdv.data.len() > d::MAX_COMMAND {
                f.unavailable("dicom.echo_status", "C-ECHO-RSP command set too large");
                return;
            }
            command.extend_from_slice(pdv.data);
            last |= pdv.is_last;
        }
        if last {
            break;
        }
    }
    match d::parse_command(&command) {
        Ok(c) if c.command_field == Some(d::C_ECHO_RSP) => match c.status {
            Some(st) => {
                f.set("dicom.echo_status", i64::from(st));
                f.set("dicom.echo_status_name", d::status_name(st));
            }
            None => f.unavailable("dicom.echo_status", "C-ECHO-RSP without a status"),
        },
        Ok(c) => f.unavailable(
            "dicom.echo_status",
            format!(
                "expected C-ECHO-RSP, got command field {:?}",
                c.command_field
            ),
        ),
        Err(e) => f.unavailable("dicom.echo_status", format!("unreadable C-ECHO-RSP: {e}")),
    }
    release(s, max, deadline).await;
}

/// A-RELEASE-RQ, then wait (briefly) for the A-RELEASE-RP, as a well-behaved AE does.
async fn release(s: &mut tokio::net::TcpStream, max: usize, deadline: Instant) {
    let until = deadline.min(Instant::now() + RELEASE_WAIT);
    if matches!(
        timeout_at(until, s.write_all(&d::build_release_rq())).await,
        Ok(Ok(()))
    ) {
        let _ = read_message(s, max, until, d::pdu_complete).await;
    }
    let _ = timeout_at(until, s.shutdown()).await;
}

#[cfg(test)]
mod tests {
    use super::super::sweep::fakes;
    use super::*;
    use crate::fact::FactValue;

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(3)
    }

    #[tokio::test]
    async fn demo_responder_accepts_and_echoes() {
        let (l, addr) = fakes::listener().await;
        tokio::spawn(crate::demo::dicom::serve(l));
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(addr), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_str("service.protocol"), Some("dicom"));
        assert_eq!(f.get_str("dicom.association"), Some("accepted"));
        assert_eq!(f.get_bool("dicom.accepts_unknown_ae"), Some(true));
        assert_eq!(f.get("dicom.echo_status"), Some(&FactValue::Int(0)));
        assert_eq!(
            f.get_str("dicom.implementation_class_uid"),
            Some(crate::demo::dicom::DEMO_IMPLEMENTATION_UID)
        );
        assert_eq!(
            f.get_str("dicom.implementation_version"),
            Some("VA_DEMO_SCP")
        );
    }

    #[tokio::test]
    async fn rejection_and_abort() {
        // A-ASSOCIATE-RJ as Orthanc sends with DicomCheckCalledAet (PEERS.md).
        let rj = fakes::responder(10, vec![0x03, 0x00, 0, 0, 0, 4, 0x00, 0x01, 0x01, 0x07]).await;
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(rj), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_str("dicom.association"), Some("rejected"));
        assert_eq!(f.get_bool("dicom.accepts_unknown_ae"), Some(false));
        assert!(f
            .get_str("dicom.reject_reason")
            .unwrap()
            .starts_with("called-AE-title-not-recognized"));
        // A-ABORT from the provider (PS3.8 §9.3.8).
        let ab = fakes::responder(10, vec![0x07, 0x00, 0, 0, 0, 4, 0, 0, 2, 0]).await;
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(ab), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_str("dicom.association"), Some("aborted"));
        assert!(f.why_unavailable("dicom.accepts_unknown_ae").is_some());
        // Rejected-transient, temporary congestion (PS3.8 §9.3.4): no verdict on AE checks.
        let busy = fakes::responder(10, vec![0x03, 0x00, 0, 0, 0, 4, 0x00, 0x02, 0x03, 0x01]).await;
        let Answer::Identified(f) = identify(&fakes::ctx(3000), &fakes::ep(busy), soon()).await
        else {
            panic!("not identified")
        };
        assert_eq!(f.get_str("dicom.association"), Some("rejected"));
        assert!(f
            .why_unavailable("dicom.accepts_unknown_ae")
            .unwrap()
            .contains("temporary-congestion"));
    }

    #[tokio::test]
    async fn http_is_not_dicom_and_a_tarpit_is_silent() {
        let http = fakes::responder(10, b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()).await;
        let a = identify(&fakes::ctx(3000), &fakes::ep(http), soon()).await;
        assert!(
            matches!(a, Answer::NotThis(ref b) if b.starts_with(b"HTTP/1.1")),
            "{a:?}"
        );
        let pit = fakes::tarpit().await;
        let d = Instant::now() + Duration::from_millis(300);
        assert_eq!(
            identify(&fakes::ctx(3000), &fakes::ep(pit), d).await,
            Answer::Silent
        );
    }
}
