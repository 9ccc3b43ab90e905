//! Demo VNC responder: RFB 3.8 (or 3.7/3.3 if the client asks) offering only security type None,
//! then a minimal ServerInit, and the connection is closed. The "no authentication" case of the lab.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::msgs::rfb::{self, Version};

/// Serves VNC clients on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener) {
    super::serve_each(listener, session).await;
}

async fn session(mut s: TcpStream) -> std::io::Result<()> {
    s.write_all(&Version::V3_8.to_bytes()).await?;
    let mut theirs = [0u8; 12];
    s.read_exact(&mut theirs).await?;
    let Ok(v) = rfb::parse_version(&theirs) else {
        return Ok(());
    };
    let v = v.client_reply();
    if v.has_type_list() {
        s.write_all(&[1, 1]).await?;
        let mut chosen = [0u8; 1];
        s.read_exact(&mut chosen).await?;
        if chosen != [1] {
            if v >= Version::V3_8 {
                let reason = b"only security type None is offered";
                s.write_all(&1u32.to_be_bytes()).await?;
                s.write_all(&(reason.len() as u32).to_be_bytes()).await?;
                s.write_all(reason).await?;
            }
            return Ok(());
        }
        if v >= Version::V3_8 {
            s.write_all(&0u32.to_be_bytes()).await?; // SecurityResult OK
        }
    } else {
        s.write_all(&1u32.to_be_bytes()).await?;
    }
    let mut client_init = [0u8; 1];
    s.read_exact(&mut client_init).await?;
    s.write_all(&rfb::build_server_init(640, 480, "vendor-audit demo"))
        .await?;
    s.shutdown().await
}
