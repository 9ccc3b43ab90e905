//! DICOM Upper Layer PDUs (PS3.8 §9.3) and the DIMSE C-ECHO command (PS3.7 §9.3.5): builders for
//! our A-ASSOCIATE-RQ / P-DATA-TF / A-RELEASE-RQ, and parsers for what a server answers. Also the
//! server side (parse RQ, build AC, echo response) used by the demo responder. Never panics.

/// Verification SOP Class (PS3.4 Annex A.4).
pub const VERIFICATION_SOP: &str = "1.2.840.10008.1.1";
/// Implicit VR Little Endian, the default transfer syntax (PS3.5 §10.1).
pub const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
/// The DICOM Application Context Name (PS3.7 Annex A.2.1).
pub const APPLICATION_CONTEXT: &str = "1.2.840.10008.3.1.1.1";
/// Our implementation class UID (a UUID-derived UID under 2.25, PS3.5 §B.2) and version name.
pub const OUR_IMPLEMENTATION_UID: &str = "2.25.239173148394201867350613453148601264371";
pub const OUR_IMPLEMENTATION_VERSION: &str = "VENDORAUDIT_01";
/// The AE titles we use: made up, so that a server accepting them accepts anyone.
pub const OUR_CALLING_AE: &str = "VENDOR-AUDIT";
pub const OUR_CALLED_AE: &str = "ANY-SCP";
/// The largest P-DATA we accept (we announce it in the Maximum Length sub-item).
pub const OUR_MAX_PDU: u32 = 16384;
/// The largest PDU of any kind we read from a server.
pub const MAX_PDU_LEN: usize = 64 * 1024;

pub const PDU_ASSOCIATE_RQ: u8 = 1;
pub const PDU_ASSOCIATE_AC: u8 = 2;
pub const PDU_ASSOCIATE_RJ: u8 = 3;
pub const PDU_P_DATA_TF: u8 = 4;
pub const PDU_RELEASE_RQ: u8 = 5;
pub const PDU_RELEASE_RP: u8 = 6;
pub const PDU_ABORT: u8 = 7;

/// DIMSE command field values (PS3.7 §E.1).
pub const C_ECHO_RQ: u16 = 0x0030;
pub const C_ECHO_RSP: u16 = 0x8030;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DicomError {
    #[error("PDU incomplete")]
    Incomplete,
    #[error("not a DICOM PDU: {0}")]
    Malformed(&'static str),
    #[error("PDU of {0} bytes exceeds the limit")]
    TooLong(usize),
    #[error("unexpected PDU type {0}")]
    UnexpectedType(u8),
}

use DicomError::Malformed;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
    ]))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([
        *s.first()?,
        *s.get(1)?,
        *s.get(2)?,
        *s.get(3)?,
    ]))
}
fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at.checked_add(1)?)?,
    ]))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([
        *s.first()?,
        *s.get(1)?,
        *s.get(2)?,
        *s.get(3)?,
    ]))
}

/// For `net::read_message`: the length of the first complete PDU in `b`. Bytes that cannot start
/// a PDU (unknown type, absurd length) count as complete as they stand, so the caller gets them
/// (evidence for "not DICOM") and the parser's error, rather than waiting for a timeout.
pub fn pdu_complete(b: &[u8]) -> Option<usize> {
    let ty = *b.first()?;
    if !(PDU_ASSOCIATE_RQ..=PDU_ABORT).contains(&ty) || b.get(1).is_some_and(|&r| r != 0) {
        return Some(b.len());
    }
    let len = be32(b, 2)? as usize;
    let total = len.checked_add(6)?;
    if total > MAX_PDU_LEN {
        return Some(b.len());
    }
    (b.len() >= total).then_some(total)
}

/// One PDU: its type and its body (after the 6-byte header). Checks the header strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu<'a> {
    pub ty: u8,
    pub body: &'a [u8],
    /// Total bytes of the PDU including its header.
    pub len: usize,
}

pub fn parse_pdu(b: &[u8]) -> Result<Pdu<'_>, DicomError> {
    let ty = *b.first().ok_or(DicomError::Incomplete)?;
    if !(PDU_ASSOCIATE_RQ..=PDU_ABORT).contains(&ty) {
        return Err(Malformed("unknown PDU type"));
    }
    if *b.get(1).ok_or(DicomError::Incomplete)? != 0 {
        return Err(Malformed("reserved byte not zero"));
    }
    let len = be32(b, 2).ok_or(DicomError::Incomplete)? as usize;
    let total = len.checked_add(6).ok_or(DicomError::TooLong(len))?;
    if total > MAX_PDU_LEN {
        return Err(DicomError::TooLong(total));
    }
    let body = b.get(6..total).ok_or(DicomError::Incomplete)?;
    Ok(Pdu {
        ty,
        body,
        len: total,
    })
}

// ---------------------------------------------------------------- builders

fn push_item(out: &mut Vec<u8>, ty: u8, data: &[u8]) {
    out.push(ty);
    out.push(0);
    out.extend_from_slice(&(u16::try_from(data.len()).unwrap_or(u16::MAX)).to_be_bytes());
    out.extend_from_slice(data);
}

fn ae_field(ae: &str) -> [u8; 16] {
    let mut f = [b' '; 16];
    for (o, c) in f.iter_mut().zip(ae.bytes()) {
        *o = c;
    }
    f
}

fn pdu(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 6);
    out.push(ty);
    out.push(0);
    out.extend_from_slice(&(u32::try_from(body.len()).unwrap_or(u32::MAX)).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn user_info(max_pdu: u32, impl_uid: &str, impl_version: &str) -> Vec<u8> {
    let mut ui = Vec::new();
    push_item(&mut ui, 0x51, &max_pdu.to_be_bytes());
    push_item(&mut ui, 0x52, impl_uid.as_bytes());
    push_item(&mut ui, 0x55, impl_version.as_bytes());
    ui
}

/// The presentation context id we propose for Verification.
pub const ECHO_PC_ID: u8 = 1;

/// A-ASSOCIATE-RQ (PS3.8 §9.3.2) proposing Verification with Implicit VR Little Endian.
pub fn build_associate_rq(calling_ae: &str, called_ae: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&1u16.to_be_bytes()); // protocol version
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&ae_field(called_ae));
    body.extend_from_slice(&ae_field(calling_ae));
    body.extend_from_slice(&[0u8; 32]);
    push_item(&mut body, 0x10, APPLICATION_CONTEXT.as_bytes());
    let mut pc = vec![ECHO_PC_ID, 0, 0, 0];
    push_item(&mut pc, 0x30, VERIFICATION_SOP.as_bytes());
    push_item(&mut pc, 0x40, IMPLICIT_VR_LE.as_bytes());
    push_item(&mut body, 0x20, &pc);
    push_item(
        &mut body,
        0x50,
        &user_info(
            OUR_MAX_PDU,
            OUR_IMPLEMENTATION_UID,
            OUR_IMPLEMENTATION_VERSION,
        ),
    );
    pdu(PDU_ASSOCIATE_RQ, &body)
}

/// A-RELEASE-RQ (PS3.8 §9.3.6).
pub fn build_release_rq() -> Vec<u8> {
    pdu(PDU_RELEASE_RQ, &[0, 0, 0, 0])
}

/// A-RELEASE-RP (PS3.8 §9.3.7).
pub fn build_release_rp() -> Vec<u8> {
    pdu(PDU_RELEASE_RP, &[0, 0, 0, 0])
}

/// A-ABORT (PS3.8 §9.3.8) from the service user.
pub fn build_abort() -> Vec<u8> {
    pdu(PDU_ABORT, &[0, 0, 0, 0])
}

fn element_us(out: &mut Vec<u8>, elem: u16, v: u16) {
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&elem.to_le_bytes());
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&v.to_le_bytes());
}

fn element_ui(out: &mut Vec<u8>, elem: u16, uid: &str) {
    let mut v = uid.as_bytes().to_vec();
    if v.len() % 2 == 1 {
        v.push(0); // UIDs are padded with a NUL to even length (PS3.5 §9.1)
    }
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&elem.to_le_bytes());
    out.extend_from_slice(&(u32::try_from(v.len()).unwrap_or(0)).to_le_bytes());
    out.extend_from_slice(&v);
}

fn command_with_group_length(elements: Vec<u8>) -> Vec<u8> {
    let mut cmd = Vec::new();
    cmd.extend_from_slice(&0u16.to_le_bytes());
    cmd.extend_from_slice(&0u16.to_le_bytes());
    cmd.extend_from_slice(&4u32.to_le_bytes());
    cmd.extend_from_slice(&(u32::try_from(elements.len()).unwrap_or(0)).to_le_bytes());
    cmd.extend_from_slice(&elements);
    cmd
}

/// The C-ECHO-RQ command set (PS3.7 §9.3.5.1), group 0000, implicit VR little endian.
pub fn echo_rq_command(message_id: u16) -> Vec<u8> {
    let mut e = Vec::new();
    element_ui(&mut e, 0x0002, VERIFICATION_SOP);
    element_us(&mut e, 0x0100, C_ECHO_RQ);
    element_us(&mut e, 0x0110, message_id);
    element_us(&mut e, 0x0800, 0x0101); // no data set
    command_with_group_length(e)
}

/// The C-ECHO-RSP command set (PS3.7 §9.3.5.2).
pub fn echo_rsp_command(responding_to: u16, status: u16) -> Vec<u8> {
    let mut e = Vec::new();
    element_ui(&mut e, 0x0002, VERIFICATION_SOP);
    element_us(&mut e, 0x0100, C_ECHO_RSP);
    element_us(&mut e, 0x0120, responding_to);
    element_us(&mut e, 0x0800, 0x0101);
    element_us(&mut e, 0x0900, status);
    command_with_group_length(e)
}

/// P-DATA-TF (PS3.8 §9.3.5) with one PDV carrying a whole command (control header 0x03).
pub fn build_p_data_command(pc_id: u8, command: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    let item_len = u32::try_from(command.len() + 2).unwrap_or(u32::MAX);
    body.extend_from_slice(&item_len.to_be_bytes());
    body.push(pc_id);
    body.push(0x03); // command, last fragment
    body.extend_from_slice(command);
    pdu(PDU_P_DATA_TF, &body)
}

/// Our C-ECHO-RQ in a P-DATA-TF.
pub fn build_echo_rq(pc_id: u8, message_id: u16) -> Vec<u8> {
    build_p_data_command(pc_id, &echo_rq_command(message_id))
}

// ---------------------------------------------------------------- parsers

/// A variable item (type, data) inside an associate PDU or a user-information item.
fn items(mut b: &[u8]) -> Result<Vec<(u8, &[u8])>, DicomError> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let ty = *b.first().ok_or(Malformed("item"))?;
        let len = usize::from(be16(b, 2).ok_or(Malformed("truncated item header"))?);
        let data = b
            .get(4..4 + len)
            .ok_or(Malformed("item longer than its PDU"))?;
        out.push((ty, data));
        b = b.get(4 + len..).unwrap_or_default();
        if out.len() > 256 {
            return Err(Malformed("too many items"));
        }
    }
    Ok(out)
}

fn uid_text(b: &[u8]) -> String {
    let trimmed: &[u8] = {
        let mut end = b.len();
        while end > 0 && matches!(b.get(end - 1), Some(0) | Some(b' ')) {
            end -= 1;
        }
        b.get(..end).unwrap_or_default()
    };
    printable(trimmed)
}

/// Text from server bytes, with non-printable bytes shown as `\xNN`.
pub fn printable(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        if (0x20..0x7f).contains(&c) {
            s.push(char::from(c));
        } else {
            s.push_str(&format!("\\x{c:02x}"));
        }
    }
    s
}

/// The result of one presentation context in an A-ASSOCIATE-AC (PS3.8 §9.3.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentationResult {
    pub id: u8,
    pub result: u8,
    pub transfer_syntax: Option<String>,
}

pub fn presentation_result_name(r: u8) -> &'static str {
    match r {
        0 => "acceptance",
        1 => "user-rejection",
        2 => "no-reason (provider rejection)",
        3 => "abstract-syntax-not-supported (provider rejection)",
        4 => "transfer-syntaxes-not-supported (provider rejection)",
        _ => "unknown result",
    }
}

/// The parts of an A-ASSOCIATE-AC we report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssociateAc {
    pub contexts: Vec<PresentationResult>,
    pub max_pdu: Option<u32>,
    pub implementation_class_uid: Option<String>,
    pub implementation_version: Option<String>,
}

impl AssociateAc {
    /// The result for presentation context `id`, if the server listed it.
    pub fn context(&self, id: u8) -> Option<&PresentationResult> {
        self.contexts.iter().find(|c| c.id == id)
    }
}

/// A-ASSOCIATE-RJ fields (PS3.8 §9.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssociateRj {
    pub result: u8,
    pub source: u8,
    pub reason: u8,
}

impl AssociateRj {
    pub fn result_name(&self) -> &'static str {
        match self.result {
            1 => "rejected-permanent",
            2 => "rejected-transient",
            _ => "unknown result",
        }
    }
    pub fn source_name(&self) -> &'static str {
        match self.source {
            1 => "DICOM UL service-user",
            2 => "DICOM UL service-provider (ACSE related function)",
            3 => "DICOM UL service-provider (Presentation related function)",
            _ => "unknown source",
        }
    }
    pub fn reason_name(&self) -> &'static str {
        match (self.source, self.reason) {
            (1, 1) => "no-reason-given",
            (1, 2) => "application-context-name-not-supported",
            (1, 3) => "calling-AE-title-not-recognized",
            (1, 7) => "called-AE-title-not-recognized",
            (2, 1) => "no-reason-given",
            (2, 2) => "protocol-version-not-supported",
            (3, 1) => "temporary-congestion",
            (3, 2) => "local-limit-exceeded",
            _ => "reserved",
        }
    }
    /// "called-AE-title-not-recognized (rejected-permanent by DICOM UL service-user)".
    pub fn describe(&self) -> String {
        format!(
            "{} ({} by {})",
            self.reason_name(),
            self.result_name(),
            self.source_name()
        )
    }
}

/// A-ABORT fields (PS3.8 §9.3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abort {
    pub source: u8,
    pub reason: u8,
}

impl Abort {
    pub fn describe(&self) -> String {
        match self.source {
            0 => "service-user initiated abort".to_owned(),
            2 => {
                let r = match self.reason {
                    0 => "reason-not-specified",
                    1 => "unrecognized-PDU",
                    2 => "unexpected-PDU",
                    4 => "unrecognized-PDU-parameter",
                    5 => "unexpected-PDU-parameter",
                    6 => "invalid-PDU-parameter-value",
                    _ => "reserved reason",
                };
                format!("service-provider initiated abort: {r}")
            }
            s => format!("abort from reserved source {s}"),
        }
    }
}

/// A server's answer to our A-ASSOCIATE-RQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssociateAnswer {
    Accepted(AssociateAc),
    Rejected(AssociateRj),
    Aborted(Abort),
}

fn parse_fixed4(body: &[u8]) -> Result<(u8, u8, u8), DicomError> {
    if body.len() != 4 {
        return Err(Malformed("A-ASSOCIATE-RJ/A-ABORT body must be 4 bytes"));
    }
    let g = |i| body.get(i).copied().ok_or(Malformed("short"));
    Ok((g(1)?, g(2)?, g(3)?))
}

fn parse_ac_body(body: &[u8]) -> Result<AssociateAc, DicomError> {
    // version(2) reserved(2) called(16) calling(16) reserved(32) = 68 bytes, then items.
    let version = be16(body, 0).ok_or(Malformed("short A-ASSOCIATE-AC"))?;
    if version & 1 == 0 {
        return Err(Malformed("protocol version bit 0 not set"));
    }
    let rest = body.get(68..).ok_or(Malformed("short A-ASSOCIATE-AC"))?;
    let mut ac = AssociateAc::default();
    let mut saw_app_context = false;
    for (ty, data) in items(rest)? {
        match ty {
            0x10 => saw_app_context = true,
            0x21 => {
                let id = *data
                    .first()
                    .ok_or(Malformed("short presentation context"))?;
                let result = *data.get(2).ok_or(Malformed("short presentation context"))?;
                let ts = items(data.get(4..).unwrap_or_default())?
                    .into_iter()
                    .find(|(t, _)| *t == 0x40)
                    .map(|(_, d)| uid_text(d));
                ac.contexts.push(PresentationResult {
                    id,
                    result,
                    transfer_syntax: ts,
                });
            }
            0x50 => {
                for (sub, d) in items(data)? {
                    match sub {
                        0x51 => ac.max_pdu = be32(d, 0),
                        0x52 => ac.implementation_class_uid = Some(uid_text(d)),
                        0x55 => ac.implementation_version = Some(uid_text(d)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if !saw_app_context {
        return Err(Malformed("A-ASSOCIATE-AC without application context"));
    }
    Ok(ac)
}

/// Parses the answer to an A-ASSOCIATE-RQ: AC, RJ or A-ABORT. Anything else is an error.
pub fn parse_associate_answer(b: &[u8]) -> Result<AssociateAnswer, DicomError> {
    let p = parse_pdu(b)?;
    match p.ty {
        PDU_ASSOCIATE_AC => Ok(AssociateAnswer::Accepted(parse_ac_body(p.body)?)),
        PDU_ASSOCIATE_RJ => {
            let (result, source, reason) = parse_fixed4(p.body)?;
            Ok(AssociateAnswer::Rejected(AssociateRj {
                result,
                source,
                reason,
            }))
        }
        PDU_ABORT => {
            let (_, source, reason) = parse_fixed4(p.body)?;
            Ok(AssociateAnswer::Aborted(Abort { source, reason }))
        }
        t => Err(DicomError::UnexpectedType(t)),
    }
}

/// Parses an A-ABORT PDU.
pub fn parse_abort(b: &[u8]) -> Result<Abort, DicomError> {
    let p = parse_pdu(b)?;
    if p.ty != PDU_ABORT {
        return Err(DicomError::UnexpectedType(p.ty));
    }
    let (_, source, reason) = parse_fixed4(p.body)?;
    Ok(Abort { source, reason })
}

/// One presentation data value of a P-DATA-TF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdv<'a> {
    pub pc_id: u8,
    pub is_command: bool,
    pub is_last: bool,
    pub data: &'a [u8],
}

/// The PDVs of a P-DATA-TF PDU.
pub fn parse_p_data(b: &[u8]) -> Result<Vec<Pdv<'_>>, DicomError> {
    let p = parse_pdu(b)?;
    if p.ty != PDU_P_DATA_TF {
        return Err(DicomError::UnexpectedType(p.ty));
    }
    let mut rest = p.body;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let len = be32(rest, 0).ok_or(Malformed("truncated PDV header"))? as usize;
        if len < 2 {
            return Err(Malformed("PDV shorter than its header"));
        }
        let end = len.checked_add(4).ok_or(Malformed("PDV length"))?;
        let item = rest
            .get(4..end)
            .ok_or(Malformed("PDV longer than its PDU"))?;
        let pc_id = *item.first().ok_or(Malformed("PDV"))?;
        let ctl = *item.get(1).ok_or(Malformed("PDV"))?;
        out.push(Pdv {
            pc_id,
            is_command: ctl & 1 == 1,
            is_last: ctl & 2 == 2,
            data: item.get(2..).unwrap_or_default(),
        });
        rest = rest.get(end..).unwrap_or_default();
    }
    Ok(out)
}

/// The command elements we care about (group 0000, implicit VR little endian).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub command_field: Option<u16>,
    pub message_id: Option<u16>,
    pub responding_to: Option<u16>,
    pub status: Option<u16>,
    pub affected_sop_class: Option<String>,
}

/// The most bytes of a command set we parse (commands are small; a P-DATA may be fragmented).
pub const MAX_COMMAND: usize = 64 * 1024;

/// Parses a command set (PS3.7 §6.3.1, §E): a sequence of (0000,eeee) elements.
pub fn parse_command(mut b: &[u8]) -> Result<Command, DicomError> {
    if b.len() > MAX_COMMAND {
        return Err(DicomError::TooLong(b.len()));
    }
    let mut c = Command::default();
    let mut count = 0;
    while !b.is_empty() {
        let group = le16(b, 0).ok_or(Malformed("truncated command element"))?;
        let elem = le16(b, 2).ok_or(Malformed("truncated command element"))?;
        let len = le32(b, 4).ok_or(Malformed("truncated command element"))? as usize;
        if group != 0 {
            return Err(Malformed("command element outside group 0000"));
        }
        let end = len.checked_add(8).ok_or(Malformed("element length"))?;
        let v = b
            .get(8..end)
            .ok_or(Malformed("element longer than the command"))?;
        let us = || if v.len() == 2 { le16(v, 0) } else { None };
        match elem {
            0x0002 => c.affected_sop_class = Some(uid_text(v)),
            0x0100 => c.command_field = us(),
            0x0110 => c.message_id = us(),
            0x0120 => c.responding_to = us(),
            0x0900 => c.status = us(),
            _ => {}
        }
        b = b.get(end..).unwrap_or_default();
        count += 1;
        if count > 1024 {
            return Err(Malformed("too many command elements"));
        }
    }
    Ok(c)
}

/// The name of a DIMSE status (PS3.7 Annex C), coarse.
pub fn status_name(s: u16) -> &'static str {
    match s {
        0x0000 => "Success",
        0xFF00 | 0xFF01 => "Pending",
        0xFE00 => "Cancel",
        0x0001 | 0x0107 | 0x0116 | 0xB000..=0xBFFF => "Warning",
        _ => "Failure",
    }
}

// ---------------------------------------------------------------- server side (demo responder)

/// A presentation context proposed in an A-ASSOCIATE-RQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedContext {
    pub id: u8,
    pub abstract_syntax: String,
    pub transfer_syntaxes: Vec<String>,
}

/// The parts of an A-ASSOCIATE-RQ a responder needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssociateRq {
    pub called_ae: String,
    pub calling_ae: String,
    pub contexts: Vec<ProposedContext>,
    pub max_pdu: Option<u32>,
}

/// Parses an A-ASSOCIATE-RQ (PS3.8 §9.3.2).
pub fn parse_associate_rq(b: &[u8]) -> Result<AssociateRq, DicomError> {
    let p = parse_pdu(b)?;
    if p.ty != PDU_ASSOCIATE_RQ {
        return Err(DicomError::UnexpectedType(p.ty));
    }
    let body = p.body;
    let called = body.get(4..20).ok_or(Malformed("short A-ASSOCIATE-RQ"))?;
    let calling = body.get(20..36).ok_or(Malformed("short A-ASSOCIATE-RQ"))?;
    let rest = body.get(68..).ok_or(Malformed("short A-ASSOCIATE-RQ"))?;
    let mut rq = AssociateRq {
        called_ae: uid_text(called),
        calling_ae: uid_text(calling),
        ..Default::default()
    };
    for (ty, data) in items(rest)? {
        match ty {
            0x20 => {
                let id = *data
                    .first()
                    .ok_or(Malformed("short presentation context"))?;
                let mut pc = ProposedContext {
                    id,
                    abstract_syntax: String::new(),
                    transfer_syntaxes: Vec::new(),
                };
                for (sub, d) in items(data.get(4..).unwrap_or_default())? {
                    match sub {
                        0x30 => pc.abstract_syntax = uid_text(d),
                        0x40 => pc.transfer_syntaxes.push(uid_text(d)),
                        _ => {}
                    }
                }
                rq.contexts.push(pc);
            }
            0x50 => {
                for (sub, d) in items(data)? {
                    if sub == 0x51 {
                        rq.max_pdu = be32(d, 0);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(rq)
}

/// An A-ASSOCIATE-AC answering `rq`: Verification with Implicit VR LE is accepted, every other
/// context is rejected (abstract syntax or transfer syntaxes not supported).
pub fn build_associate_ac(rq: &AssociateRq, impl_uid: &str, impl_version: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&1u16.to_be_bytes());
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&ae_field(&rq.called_ae));
    body.extend_from_slice(&ae_field(&rq.calling_ae));
    body.extend_from_slice(&[0u8; 32]);
    push_item(&mut body, 0x10, APPLICATION_CONTEXT.as_bytes());
    for pc in rq.contexts.iter().take(128) {
        let result = if pc.abstract_syntax != VERIFICATION_SOP {
            3
        } else if pc.transfer_syntaxes.iter().any(|t| t == IMPLICIT_VR_LE) {
            0
        } else {
            4
        };
        let mut item = vec![pc.id, 0, result, 0];
        push_item(&mut item, 0x40, IMPLICIT_VR_LE.as_bytes());
        push_item(&mut body, 0x21, &item);
    }
    push_item(
        &mut body,
        0x50,
        &user_info(OUR_MAX_PDU, impl_uid, impl_version),
    );
    pdu(PDU_ASSOCIATE_AC, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn associate_rq_layout_matches_ps3_8() {
        let rq = build_associate_rq(OUR_CALLING_AE, OUR_CALLED_AE);
        let p = parse_pdu(&rq).unwrap();
        assert_eq!(p.ty, 1);
        assert_eq!(p.len, rq.len());
        // PS3.8 §9.3.2: called AE at offsets 10..26, calling AE at 26..42, space padded.
        assert_eq!(&rq[10..26], b"ANY-SCP         ");
        assert_eq!(&rq[26..42], b"VENDOR-AUDIT    ");
        assert_eq!(&rq[6..8], &[0, 1]);
        let parsed = parse_associate_rq(&rq).unwrap();
        assert_eq!(parsed.calling_ae, "VENDOR-AUDIT");
        assert_eq!(parsed.called_ae, "ANY-SCP");
        assert_eq!(parsed.contexts.len(), 1);
        assert_eq!(parsed.contexts[0].abstract_syntax, VERIFICATION_SOP);
        assert_eq!(
            parsed.contexts[0].transfer_syntaxes,
            vec![IMPLICIT_VR_LE.to_owned()]
        );
        assert_eq!(parsed.max_pdu, Some(OUR_MAX_PDU));
        assert_eq!(pdu_complete(&rq), Some(rq.len()));
        assert_eq!(pdu_complete(&rq[..rq.len() - 1]), None);
        assert_eq!(pdu_complete(&rq[..3]), None);
    }

    /// Captured from Orthanc 1.10 (Debian 12, DCMTK 3.6.7 inside) on 127.0.0.67:14242, answering
    /// our A-ASSOCIATE-RQ and C-ECHO-RQ; dcmtk storescp on :14244 sent the same bytes.
    const ORTHANC_AC: &str = "0200000000b800010000414e592d53435020202020202020202056454e444f522d415544495420202020000000000000000000000000000000000000000000000000000000000000000010000015312e322e3834302e31303030382e332e312e312e31210000190100000040000011312e322e3834302e31303030382e312e325000003a51000004000040005200001b312e322e3237362e302e373233303031302e332e302e332e362e375500000f4f464649535f44434d544b5f333637";
    const ORTHANC_ECHO_RSP: &str = "0400000000540000005001030000000004000000420000000000020012000000312e322e3834302e31303030382e312e310000000001020000003080000020010200000001000000000802000000010100000009020000000000";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn orthanc_recorded_accept_and_echo() {
        let ac = unhex(ORTHANC_AC);
        assert_eq!(pdu_complete(&ac), Some(ac.len()));
        let AssociateAnswer::Accepted(ac) = parse_associate_answer(&ac).unwrap() else {
            panic!()
        };
        assert_eq!(ac.context(1).unwrap().result, 0);
        assert_eq!(
            ac.context(1).unwrap().transfer_syntax.as_deref(),
            Some(IMPLICIT_VR_LE)
        );
        assert_eq!(ac.max_pdu, Some(16384));
        assert_eq!(
            ac.implementation_class_uid.as_deref(),
            Some("1.2.276.0.7230010.3.0.3.6.7")
        );
        assert_eq!(
            ac.implementation_version.as_deref(),
            Some("OFFIS_DCMTK_367")
        );
        let rsp = unhex(ORTHANC_ECHO_RSP);
        let pdvs = parse_p_data(&rsp).unwrap();
        assert!(pdvs[0].is_command && pdvs[0].is_last);
        let c = parse_command(pdvs[0].data).unwrap();
        assert_eq!(c.command_field, Some(C_ECHO_RSP));
        assert_eq!(c.responding_to, Some(1));
        assert_eq!(c.status, Some(0));
        assert_eq!(
            parse_pdu(&unhex("06000000000400000000")).unwrap().ty,
            PDU_RELEASE_RP
        );
    }

    #[test]
    fn orthanc_rejection() {
        // Captured from Orthanc 1.10 with DicomCheckCalledAet=true on :14243 (as PEERS.md says).
        let rj = [0x03, 0x00, 0, 0, 0, 4, 0x00, 0x01, 0x01, 0x07];
        match parse_associate_answer(&rj).unwrap() {
            AssociateAnswer::Rejected(r) => {
                assert_eq!(r.reason_name(), "called-AE-title-not-recognized");
                assert_eq!(r.result_name(), "rejected-permanent");
                assert_eq!(
                    r.describe(),
                    "called-AE-title-not-recognized (rejected-permanent by DICOM UL service-user)"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn abort_and_release() {
        // PS3.8 §9.3.8: A-ABORT from the provider, reason 2 unexpected-PDU.
        let ab = [0x07, 0x00, 0, 0, 0, 4, 0, 0, 2, 2];
        assert_eq!(
            parse_associate_answer(&ab),
            Ok(AssociateAnswer::Aborted(Abort {
                source: 2,
                reason: 2
            }))
        );
        assert_eq!(
            parse_abort(&ab).unwrap().describe(),
            "service-provider initiated abort: unexpected-PDU"
        );
        assert_eq!(build_release_rq(), vec![5, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
        assert_eq!(
            parse_associate_answer(&build_release_rp()),
            Err(DicomError::UnexpectedType(6))
        );
    }

    #[test]
    fn ac_roundtrip_and_echo() {
        let rq = parse_associate_rq(&build_associate_rq("A", "B")).unwrap();
        let ac = build_associate_ac(&rq, "1.2.3.4", "DEMO_1");
        match parse_associate_answer(&ac).unwrap() {
            AssociateAnswer::Accepted(ac) => {
                assert_eq!(ac.context(ECHO_PC_ID).unwrap().result, 0);
                assert_eq!(ac.implementation_class_uid.as_deref(), Some("1.2.3.4"));
                assert_eq!(ac.implementation_version.as_deref(), Some("DEMO_1"));
            }
            other => panic!("{other:?}"),
        }
        let echo = build_echo_rq(ECHO_PC_ID, 7);
        let pdvs = parse_p_data(&echo).unwrap();
        assert_eq!(pdvs.len(), 1);
        assert!(pdvs[0].is_command && pdvs[0].is_last);
        let cmd = parse_command(pdvs[0].data).unwrap();
        assert_eq!(cmd.command_field, Some(C_ECHO_RQ));
        assert_eq!(cmd.message_id, Some(7));
        assert_eq!(cmd.affected_sop_class.as_deref(), Some(VERIFICATION_SOP));
        let rsp = build_p_data_command(1, &echo_rsp_command(7, 0));
        let cmd = parse_command(parse_p_data(&rsp).unwrap()[0].data).unwrap();
        assert_eq!(cmd.command_field, Some(C_ECHO_RSP));
        assert_eq!(cmd.status, Some(0));
        assert_eq!(cmd.responding_to, Some(7));
        assert_eq!(status_name(0), "Success");
    }

    #[test]
    fn garbage_is_complete_immediately() {
        assert_eq!(pdu_complete(b"SSH-2.0-x"), Some(9));
        assert_eq!(pdu_complete(&[2, 0, 0xff, 0xff, 0xff, 0xff]), Some(6));
        assert!(parse_associate_answer(&[2, 0, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert_eq!(pdu_complete(&[]), None);
    }

    proptest! {
        #[test]
        fn never_panics(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Some(n) = pdu_complete(&b) { prop_assert!(n <= b.len()); }
            let _ = parse_pdu(&b);
            let _ = parse_associate_answer(&b);
            let _ = parse_associate_rq(&b);
            let _ = parse_p_data(&b);
            let _ = parse_abort(&b);
            let _ = parse_command(&b);
        }

        #[test]
        fn mutated_valid_never_panics(which in 0usize..3, pos in 0usize..300, byte in any::<u8>(), cut in 0usize..300) {
            let rq = parse_associate_rq(&build_associate_rq("X", "Y")).unwrap();
            let mut b = match which {
                0 => build_associate_ac(&rq, "1.2.3", "V"),
                1 => build_associate_rq("X", "Y"),
                _ => build_p_data_command(1, &echo_rsp_command(1, 0)),
            };
            if let Some(x) = b.get_mut(pos) { *x = byte; }
            b.truncate(cut.max(1));
            let _ = pdu_complete(&b);
            let _ = parse_associate_answer(&b);
            let _ = parse_associate_rq(&b);
            if let Ok(pdvs) = parse_p_data(&b) {
                for p in pdvs { let _ = parse_command(p.data); }
            }
        }
    }
}
