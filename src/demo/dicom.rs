//! Demo DICOM responder: accepts any AE's association for Verification (Implicit VR Little
//! Endian), answers C-ECHO with status 0 and A-RELEASE-RQ with A-RELEASE-RP: a PACS that lets
//! strangers in, the exposed case of the lab.

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Duration, Instant};

use crate::msgs::dicom as d;
use crate::probe::net::read_message;

/// Our implementation identity as a responder.
pub const DEMO_IMPLEMENTATION_UID: &str = "2.25.239173148394201867350613453148601264372";
pub const DEMO_IMPLEMENTATION_VERSION: &str = "VA_DEMO_SCP";

/// How long the responder waits for the client's next PDU.
const IDLE: Duration = Duration::from_secs(10);

/// Serves DICOM associations on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener) {
    super::serve_each(listener, session).await;
}

async fn next_pdu(s: &mut TcpStream) -> Option<Vec<u8>> {
    let deadline = Instant::now() + IDLE;
    read_message(s, d::MAX_PDU_LEN, deadline, d::pdu_complete)
        .await
        .ok()
}

async fn session(mut s: TcpStream) -> std::io::Result<()> {
    let Some(first) = next_pdu(&mut s).await else {
        return Ok(());
    };
    let Ok(rq) = d::parse_associate_rq(&first) else {
        return s.write_all(&d::build_abort()).await;
    };
    s.write_all(&d::build_associate_ac(
        &rq,
        DEMO_IMPLEMENTATION_UID,
        DEMO_IMPLEMENTATION_VERSION,
    ))
    .await?;
    let accepted: Vec<u8> = rq
        .contexts
        .iter()
        .filter(|c| c.abstract_syntax == d::VERIFICATION_SOP)
        .map(|c| c.id)
        .collect();
    let mut command = Vec::new();
    loop {
        let Some(pdu) = next_pdu(&mut s).await else {
            return Ok(());
        };
        match d::parse_pdu(&pdu).map(|p| p.ty) {
            Ok(d::PDU_P_DATA_TF) => {
                let Ok(pdvs) = d::parse_p_data(&pdu) else {
                    return s.write_all(&d::build_abort()).await;
                };
                for pdv in pdvs {
                    if !pdv.is_command || !accepted.contains(&pdv.pc_id) {
                        return s.write_all(&d::build_abort()).await;
                    }
                    if command.len() + pdv.data.len() > d::MAX_COMMAND {
                        return s.write_all(&d::build_abort()).await;
                    }
                    command.extend_from_slice(pdv.data);
                    if !pdv.is_last {
                        continue;
                    }
                    let cmd = d::parse_command(&command);
                    command.clear();
                    match cmd {
                        Ok(c) if c.command_field == Some(d::C_ECHO_RQ) => {
                            let rsp = d::echo_rsp_command(c.message_id.unwrap_or(0), 0);
                            s.write_all(&d::build_p_data_command(pdv.pc_id, &rsp))
                                .await?;
                        }
                        _ => return s.write_all(&d::build_abort()).await,
                    }
                }
            }
            Ok(d::PDU_RELEASE_RQ) => {
                s.write_all(&d::build_release_rp()).await?;
                return s.shutdown().await;
            }
            Ok(d::PDU_ABORT) => return Ok(()),
            _ => return s.write_all(&d::build_abort()).await,
        }
    }
}
