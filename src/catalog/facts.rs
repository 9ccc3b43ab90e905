//! The fact catalogue: every fact a probe may record, with its type and meaning in English and
//! Japanese. Check files may read only facts listed here; a test keeps probes, checks and this
//! list in step, so that `vendor-audit checks show ID` can explain every fact a check reads.

use super::Lang;

/// The JSON/CEL type of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactType {
    Bool,
    Int,
    Str,
    /// A list (of strings or ints, as the meaning says).
    List,
    /// A map of names to values.
    Map,
}

impl FactType {
    pub fn name(self) -> &'static str {
        match self {
            FactType::Bool => "bool",
            FactType::Int => "int",
            FactType::Str => "string",
            FactType::List => "list",
            FactType::Map => "map",
        }
    }

    pub fn matches(self, value: &crate::fact::FactValue) -> bool {
        use crate::fact::FactValue as V;
        matches!(
            (self, value),
            (FactType::Bool, V::Bool(_))
                | (FactType::Int, V::Int(_))
                | (FactType::Str, V::Str(_))
                | (FactType::List, V::List(_))
                | (FactType::Map, V::Map(_))
        )
    }
}

pub struct FactSpec {
    pub name: &'static str,
    pub kind: FactType,
    /// The probe that records it.
    pub probe: &'static str,
    pub meaning: &'static str,
    /// The same meaning in Japanese, for a city's officers (`checks show`, `checks facts`).
    pub meaning_ja: &'static str,
}

impl FactSpec {
    /// The meaning in `lang`.
    pub fn meaning_in(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.meaning,
            Lang::Ja => self.meaning_ja,
        }
    }
}

/// One row of the catalogue: name, type, probe, meaning in English, then in Japanese.
const fn fact(
    name: &'static str,
    kind: FactType,
    probe: &'static str,
    meaning: &'static str,
    meaning_ja: &'static str,
) -> FactSpec {
    FactSpec {
        name,
        kind,
        probe,
        meaning,
        meaning_ja,
    }
}

use FactType::*;

pub const FACTS: &[FactSpec] = &[
    // Host sweep (src/probe/sweep.rs)
    fact("host.address", Str, "sweep", "The address the host name resolved to (or was written as).", "ホスト名を名前解決したアドレス（アドレスで書かれていればそのアドレス）。"),
    fact("host.open_ports", List, "sweep", "Swept ports that accepted a TCP connection (ints).", "走査したポートのうち TCP 接続を受け付けたもの（整数）。"),
    fact("port.state", Str, "sweep", "What a TCP connect showed: `open`, `closed` (refused) or `filtered` (no answer).", "TCP 接続で分かったポートの状態：`open`（開放）、`closed`（閉鎖、接続拒否）または `filtered`（応答なし）。"),
    fact("service.port", Int, "sweep", "The TCP port of the service.", "サービスの TCP ポート番号。"),
    fact("service.protocol", Str, "sweep", "The protocol identified by handshake (`rdp`, `vnc`, `dicom`, `ssh`, `telnet`, `ftp`, `smb`, `mysql`, `postgresql`, `mssql`, `http`, `https` (HTTP inside TLS), `tls` (TLS, not HTTP inside)), unavailable, with the reason, when the port accepted but said nothing or answered in no protocol we know (then `service.first_bytes` shows what came): open and unidentified is never a protocol, so no exposure check can pass on it.", "ハンドシェイクで識別したプロトコル（`rdp`、`vnc`、`dicom`、`ssh`、`telnet`、`ftp`、`smb`、`mysql`、`postgresql`、`mssql`、`http`、`https`（TLS 内の HTTP）、`tls`（TLS だが内側は HTTP でない））。接続を受け付けたが何も送ってこない場合や、既知のどのプロトコルでもない応答だった場合は、理由を付けて「観測できなかった」とする（後者では `service.first_bytes` に応答を示す）。開いていて特定できないポートをプロトコルとはみなさないため、露出のチェックがそのポートで合格になることはない。"),
    fact("service.first_bytes", Str, "sweep", "The first bytes (hex, at most 32) of an answer no recogniser knew.", "どの識別処理も認識できなかった応答の先頭バイト（16進、最大32バイト）。"),
    fact("service.first_text", Str, "sweep", "The printable rendering of an answer no recogniser knew.", "どの識別処理も認識できなかった応答を、表示可能な文字で表したもの。"),
    fact("service.attempts", List, "sweep", "What each identification attempt on the port saw (strings), in order.", "そのポートで行った識別の試みそれぞれが観測した内容（文字列、実施順）。"),
    // Services that wait for the client: HTTP, TLS, an archive's web API (src/probe/web.rs)
    fact("service.tls_version", Str, "sweep", "On a port that speaks TLS: the version a TLS 1.2/1.3 client (rustls) negotiated, else the one our hand-built TLS 1.2 ClientHello got (`TLSv1.0`...); unavailable when the server refused both.", "TLS で応答するポートで、TLS 1.2/1.3 クライアント（rustls）が合意したバージョン。合意できなければ、独自に組み立てた TLS 1.2 の ClientHello で得たバージョン（`TLSv1.0` など）。サーバがどちらも拒否したときは「観測できなかった」とする。"),
    fact("service.tls_inner", Str, "sweep", "On a TLS port that did not answer HTTP inside TLS: why (handshake refused, no answer, another protocol).", "TLS 内で HTTP に応答しなかった TLS ポートについて、その理由（ハンドシェイクの拒否、応答なし、別のプロトコル）。"),
    fact("http.status", Int, "sweep", "The status of the port's answer to `GET /` (over TLS for `https`).", "そのポートが `GET /` に返したステータスコード（`https` では TLS 経由）。"),
    fact("http.server", Str, "sweep", "The Server field of that answer; empty when absent.", "その応答の Server ヘッダ。ないときは空。"),
    fact("http.www_authenticate", Str, "sweep", "The WWW-Authenticate field of that answer (the realm of a 401); empty when absent.", "その応答の WWW-Authenticate ヘッダ（401 応答の realm）。ないときは空。"),
    fact("dicomweb.product", Str, "sweep", "The medical image archive the web server looks like (`Orthanc`: its `Basic realm=\"Orthanc Secure Area\"`, a Server field naming it, or `/` redirected to its explorer; on Orthanc's port 8042 also its `GET /system` JSON); empty when it looks like none we know.", "Web サーバがどの医用画像保管システムに見えるか（`Orthanc`：その `Basic realm=\"Orthanc Secure Area\"`、製品名を示す Server ヘッダ、または `/` からその管理画面へのリダイレクトで判断する。Orthanc の 8042 番ポートでは `GET /system` の JSON も用いる）。既知のどれにも見えなければ空。"),
    fact("dicomweb.fingerprint", Str, "sweep", "What in the answer to `GET /` made us take the server for that archive.", "`GET /` への応答のうち、サーバをその画像保管システムと判断した根拠。"),
    fact("dicomweb.status", Int, "sweep", "The status of `GET /system` (Orthanc's name, AE title and version; never patient data), asked without credentials.", "認証情報なしで要求した `GET /system`（Orthanc の名称、AE タイトル、バージョンを返す。患者データは含まない）のステータスコード。"),
    fact("dicomweb.open", Bool, "sweep", "`GET /system` answered, without credentials, with the archive's JSON (`DicomAet`, `Version`): its REST API, patient data included, is open to anyone.", "認証情報なしの `GET /system` に画像保管システムの JSON（`DicomAet`、`Version`）が返った。その REST API は、患者データを含め誰でも利用できる状態である。"),
    fact("dicomweb.aet", Str, "sweep", "The archive's DICOM AE title, from `GET /system`.", "`GET /system` から得た画像保管システムの DICOM AE タイトル。"),
    fact("dicomweb.version", Str, "sweep", "The archive's software version, from `GET /system`.", "`GET /system` から得た画像保管システムのソフトウェアのバージョン。"),
    // RDP (src/probe/rdp.rs)
    fact("rdp.responses", Map, "rdp", "For each requested protocol set (`ssl+hybrid+hybrid_ex`, `ssl`, `rdp`), what the server answered to the X.224 Connection Request.", "要求したプロトコルの組（`ssl+hybrid+hybrid_ex`、`ssl`、`rdp`）ごとの、X.224 Connection Request に対するサーバの応答。"),
    fact("rdp.responses_ja", Map, "rdp", "`rdp.responses` in Japanese, for the Japanese finding message (protocol and failure names as they are).", "`rdp.responses` の日本語版（日本語の検出事項メッセージ用。プロトコル名と失敗コード名はそのまま）。"),
    fact("rdp.selected_protocol", Str, "rdp", "The protocol the server selected when offered TLS, CredSSP and CredSSP with early auth: `rdp` (standard RDP security), `ssl`, `hybrid`, `hybrid_ex`..., or `none` when it refused.", "TLS、CredSSP、早期ユーザー認証付きの CredSSP を提示したときにサーバが選んだプロトコル：`rdp`（標準 RDP セキュリティ）、`ssl`、`hybrid`、`hybrid_ex` など。拒否したときは `none`。"),
    fact("rdp.accepts_standard_security", Bool, "rdp", "The server accepts the legacy RDP security layer (RC4, no TLS) when a client asks for it.", "クライアントが求めれば、サーバが旧来の RDP セキュリティ層（RC4、TLS なし）を受け入れる。"),
    fact("rdp.accepts_tls", Bool, "rdp", "The server accepts plain TLS without CredSSP when a client asks for it.", "クライアントが求めれば、サーバが CredSSP なしの TLS だけの接続を受け入れる。"),
    fact("rdp.accepts_credssp", Bool, "rdp", "The server selected CredSSP (hybrid or hybrid_ex) when offered it.", "CredSSP を提示したとき、サーバがそれ（hybrid または hybrid_ex）を選んだ。"),
    fact("rdp.nla_enforced", Bool, "rdp", "The server refused every request without CredSSP: Network Level Authentication is required before a session.", "CredSSP を含まない要求をサーバがすべて拒否した。セッションの開始前にネットワークレベル認証（NLA）が必須となっている。"),
    fact("rdp.ntlm_info", Map, "rdp", "What the pre-login NTLM challenge told an anonymous client: `netbios_computer`, `netbios_domain`, `dns_computer`, `dns_domain`, `dns_tree`, `target_name`, `os_version` (empty when CredSSP is not offered).", "ログイン前の NTLM チャレンジが匿名のクライアントに明かした情報：`netbios_computer`、`netbios_domain`、`dns_computer`、`dns_domain`、`dns_tree`、`target_name`、`os_version`（CredSSP が提供されていないときは空）。"),
    fact("rdp.ntlm_discloses", Bool, "rdp", "The NTLM challenge names an internal computer or domain, or the OS build.", "NTLM チャレンジに内部のコンピュータ名・ドメイン名、または OS のビルド番号が含まれる。"),
    // VNC (src/probe/vnc.rs)
    fact("vnc.version", Str, "vnc", "The RFB protocol version the server announced, e.g. `3.8`.", "サーバが通知した RFB プロトコルのバージョン（例：`3.8`）。"),
    fact("vnc.security_types", List, "vnc", "The RFB security types the server offers, each once in its order (ints; 1 = None, 2 = VNC Authentication).", "サーバが提示する RFB のセキュリティタイプ。重複を除き、提示された順に並べる（整数。1 = None、2 = VNC Authentication）。"),
    fact("vnc.security_type_names", List, "vnc", "The names of the offered security types.", "提示されたセキュリティタイプの名称。"),
    fact("vnc.no_auth", Bool, "vnc", "The server offers security type None: anyone who connects gets the desktop.", "サーバがセキュリティタイプ None を提示している。接続した者は誰でもデスクトップを操作できる。"),
    fact("vnc.vencrypt_subtypes", List, "vnc", "The VeNCrypt (type 19) subtypes offered (ints; 257 TLSNone and 260 X509None need no credentials).", "提示された VeNCrypt（タイプ 19）のサブタイプ（整数。257 TLSNone と 260 X509None は認証情報を必要としない）。"),
    fact("vnc.vencrypt_subtype_names", List, "vnc", "The names of the offered VeNCrypt subtypes.", "提示された VeNCrypt サブタイプの名称。"),
    fact("vnc.failure_reason", Str, "vnc", "The reason a server gave for refusing the handshake (e.g. too many security failures).", "サーバがハンドシェイクを拒否したときに示した理由（例：認証失敗の回数超過）。"),
    fact("vnc.unexpected_bytes", Str, "vnc", "Bytes the server sent that the RFB handshake did not expect (hex).", "RFB のハンドシェイクが想定していない、サーバから届いたバイト列（16進）。"),
    // DICOM (src/probe/dicom.rs)
    fact("dicom.association", Str, "dicom", "What the server did with our A-ASSOCIATE-RQ from an unknown AE title: `accepted`, `rejected` or `aborted`.", "未知の AE タイトルから送った A-ASSOCIATE-RQ をサーバがどう扱ったか：`accepted`（受理）、`rejected`（拒否）または `aborted`（中断）。"),
    fact("dicom.reject_reason", Str, "dicom", "The A-ASSOCIATE-RJ result, source and reason, in words.", "A-ASSOCIATE-RJ の結果・発生元・理由を言葉で表したもの。"),
    fact("dicom.echo_status", Int, "dicom", "The status of our C-ECHO (0 = success).", "送信した C-ECHO のステータス（0 = 成功）。"),
    fact("dicom.implementation_class_uid", Str, "dicom", "The server's implementation class UID.", "サーバの実装クラス UID。"),
    fact("dicom.implementation_version", Str, "dicom", "The server's implementation version name.", "サーバの実装バージョン名。"),
    fact("dicom.accepts_unknown_ae", Bool, "dicom", "An association (Verification SOP class) from made-up calling and called AE titles was accepted.", "架空の呼出し側・被呼出し側 AE タイトルによるアソシエーション（Verification SOP クラス）が受理された。"),
    fact("dicom.abort_reason", Str, "dicom", "The A-ABORT source and reason, in words.", "A-ABORT の発生元と理由を言葉で表したもの。"),
    fact("dicom.echo_status_name", Str, "dicom", "The C-ECHO status in words.", "C-ECHO のステータスを言葉で表したもの。"),
    fact("dicom.verification_context", Str, "dicom", "The result of our Verification presentation context (acceptance, or why not).", "送信した Verification のプレゼンテーションコンテキストの結果（受理されたか、されなければその理由）。"),
    fact("dicom.calling_ae", Str, "dicom", "The calling AE title we used (made up, unknown to the server).", "使用した呼出し側 AE タイトル（架空のもので、サーバにとって未知）。"),
    fact("dicom.called_ae", Str, "dicom", "The called AE title we used (made up, unknown to the server).", "使用した被呼出し側 AE タイトル（架空のもので、サーバにとって未知）。"),
    // Banners and minimal handshakes (src/probe/banner.rs)
    fact("ssh.banner", Str, "banner", "The SSH identification string (`SSH-2.0-OpenSSH_9.2p1 ...`).", "SSH の識別文字列（`SSH-2.0-OpenSSH_9.2p1 ...`）。"),
    fact("ftp.banner", Str, "banner", "The FTP greeting (220 reply).", "FTP の接続時メッセージ（220 応答）。"),
    fact("ssh.protocol_version", Str, "banner", "The SSH protocol version of the identification string (`2.0`, `1.99`).", "識別文字列が示す SSH プロトコルのバージョン（`2.0`、`1.99`）。"),
    fact("ssh.software", Str, "banner", "The software version of the identification string (`OpenSSH_9.2p1`).", "識別文字列が示すソフトウェアのバージョン（`OpenSSH_9.2p1`）。"),
    fact("telnet.banner", Str, "banner", "What the Telnet server sent first (option negotiation shown as IAC ...).", "Telnet サーバが最初に送ってきた内容（オプションのネゴシエーションは IAC ... と表示）。"),
    fact("smb.dialect", Str, "banner", "The SMB dialect the server selected (`2.0.2`, `3.1.1`, or `NT LM 0.12` for SMB1).", "サーバが選んだ SMB のダイアレクト（`2.0.2`、`3.1.1`、SMB1 では `NT LM 0.12`）。"),
    fact("database.engine", Str, "banner", "The database server identified: `mysql`, `postgresql` or `mssql`.", "識別したデータベースサーバの種類：`mysql`、`postgresql` または `mssql`。"),
    fact("smb.version", Int, "banner", "The SMB major version of the answer: 1 or 2 (SMB 2 and 3).", "応答の SMB メジャーバージョン：1 または 2（SMB 2 と 3）。"),
    fact("smb.negotiate_status", Str, "banner", "The NT status of the SMB NEGOTIATE response.", "SMB NEGOTIATE 応答の NT ステータス。"),
    fact("database.version", Str, "banner", "The version the database server announced, when it does.", "データベースサーバが通知したバージョン（通知する場合）。"),
    fact("database.tls_offered", Bool, "banner", "The database server offers TLS on the connection.", "データベースサーバがその接続で TLS を提供している。"),
    fact("database.greeting_error", Str, "banner", "An error the database server sent instead of a greeting.", "データベースサーバが接続時の最初の応答の代わりに送ってきたエラー。"),
    fact("mssql.encryption", Str, "banner", "The ENCRYPTION option of the MS SQL PRELOGIN response (`off`, `on`, `not supported`, `required`).", "MS SQL の PRELOGIN 応答の ENCRYPTION オプション（`off`、`on`、`not supported`、`required`）。"),
    // TLS enumeration (src/probe/tls.rs)
    fact("tls.protocols", List, "tls", "The accepted versions, oldest first, named `SSLv2`, `SSLv3`, `TLSv1.0`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3` (SPEC §10); unavailable when no version was accepted.", "受け入れられたバージョン（古い順。名称は `SSLv2`、`SSLv3`、`TLSv1.0`、`TLSv1.1`、`TLSv1.2`、`TLSv1.3`、SPEC §10）。どのバージョンも受け入れられなければ「観測できなかった」とする。"),
    fact("tls.suites", Map, "tls", "For each accepted version, the accepted suites by IANA name (SSLv2: cipher-spec names), in the server's preference order when it imposes one.", "受け入れられたバージョンごとの、受け入れられた暗号スイートの IANA 名（SSLv2 では cipher-spec 名）。サーバが優先順位を強制する場合はその順。"),
    fact("tls.server_order", Map, "tls", "For each version with two or more suites: true when the server imposes its own preference, false when it follows the client's.", "暗号スイートが2つ以上あるバージョンごとに、サーバが自らの優先順位を強制するなら true、クライアントの順に従うなら false。"),
    fact("tls.connections", Int, "tls", "TCP connections the enumeration opened.", "列挙のために開いた TCP 接続の数。"),
    fact("tls.errors", List, "tls", "What went wrong during the enumeration (timeouts, unusable answers); empty when it completed.", "列挙中に生じた問題（タイムアウト、解釈できない応答）。列挙が完了したときは空。"),
    fact("tls.dh_bits", Int, "tls", "The smallest finite-field Diffie-Hellman group (bits of the prime) in the ServerKeyExchange of an accepted DHE, DH_anon or DHE_PSK suite (SSLv3 to TLS 1.2), as the enumeration's hellos (offering the RFC 7919 groups) and one hello per version without them see it; absent when none was accepted, unavailable when a group could not be read (`tls.dh_unread`) and those read are all 2048 bits or more (src/derive/tls.rs: the unread one might be smaller).", "受け入れられた DHE、DH_anon または DHE_PSK スイート（SSLv3〜TLS 1.2）の ServerKeyExchange にある有限体 Diffie-Hellman グループのうち最小のもの（素数のビット数）。列挙の ClientHello（RFC 7919 のグループを提示する）と、バージョンごとに1回それらを提示しない ClientHello で観測する。該当するスイートが受け入れられなければ存在しない。読み取れなかったグループがあり（`tls.dh_unread`）、読み取れたものがすべて 2048 ビット以上のときは「観測できなかった」とする（src/derive/tls.rs：読み取れなかったグループのほうが小さいかもしれないため）。"),
    fact("tls.dh_unread", List, "tls", "Why the group of an accepted finite-field DHE suite could not be read from its ServerKeyExchange, one entry per handshake; empty when every group was read, absent when no such suite was accepted.", "受け入れられた有限体 DHE スイートのグループを ServerKeyExchange から読み取れなかった理由（ハンドシェイクごとに1件）。すべて読み取れたときは空、該当するスイートが受け入れられなかったときは存在しない。"),
    // TLS certificate (src/certificate, fetched by src/probe/tls.rs)
    fact("tls.cert.source", Str, "tls", "How the chain was fetched: `TLSv1.2 handshake` (read from our own ≤ TLS 1.2 handshakes; the highest version's first chain) or `TLSv1.3 via rustls` (one rustls handshake, for servers whose plaintext handshakes gave none).", "証明書チェーンの取得方法：`TLSv1.2 handshake`（独自の TLS 1.2 以下のハンドシェイクから読み取ったもの。最も高いバージョンで最初に得たチェーン）または `TLSv1.3 via rustls`（平文のハンドシェイクでチェーンが得られなかったサーバに対し、rustls で1回ハンドシェイクして得たもの）。"),
    fact("tls.cert.source_suite", Str, "tls", "The IANA name of the suite of the handshake that delivered the chain.", "チェーンを届けたハンドシェイクの暗号スイートの IANA 名。"),
    fact("tls.cert.subject", Str, "tls", "The leaf's subject, RFC 4514 (`CN=www.example.jp,O=Example,C=JP`).", "リーフ証明書のサブジェクト。RFC 4514 形式（`CN=www.example.jp,O=Example,C=JP`）。"),
    fact("tls.cert.issuer", Str, "tls", "The leaf's issuer, RFC 4514.", "リーフ証明書の発行者。RFC 4514 形式。"),
    fact("tls.cert.sans", List, "tls", "The leaf's subjectAltName DNS names and IP addresses (strings).", "リーフ証明書の subjectAltName にある DNS 名と IP アドレス（文字列）。"),
    fact("tls.cert.serial", Str, "tls", "The leaf's serial number, upper-case hex (as `openssl x509 -serial`).", "リーフ証明書のシリアル番号。大文字の16進（`openssl x509 -serial` と同じ表記）。"),
    fact("tls.cert.not_before", Str, "tls", "Start of the leaf's validity (RFC 3339, UTC).", "リーフ証明書の有効期間の開始（RFC 3339、UTC）。"),
    fact("tls.cert.not_after", Str, "tls", "End of the leaf's validity (RFC 3339, UTC).", "リーフ証明書の有効期間の終了（RFC 3339、UTC）。"),
    fact("tls.cert.days_left", Int, "tls", "Whole days from the run's `now` to not_after, rounded down; negative once passed.", "監査実行の `now` から not_after までの日数（端数切り捨て）。過ぎていれば負の値。"),
    fact("tls.cert.expired", Bool, "tls", "The run's `now` is after the leaf's not_after.", "監査実行の `now` がリーフ証明書の not_after より後である。"),
    fact("tls.cert.not_yet_valid", Bool, "tls", "The run's `now` is before the leaf's not_before.", "監査実行の `now` がリーフ証明書の not_before より前である。"),
    fact("tls.cert.key_type", Str, "tls", "The leaf's key: `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or the algorithm OID.", "リーフ証明書の鍵の種類：`RSA`、`EC`、`Ed25519`、`Ed448`、`DSA`、またはアルゴリズムの OID。"),
    fact("tls.cert.key_bits", Int, "tls", "RSA modulus bits, DSA prime bits, or the EC curve's bits (P-256: 256).", "鍵長：RSA はモジュラスのビット数、DSA は素数のビット数、EC は曲線のビット数（P-256 なら 256）。"),
    fact("tls.cert.curve", Str, "tls", "The EC key's curve (`P-256`, `P-384`, `P-521`... or the OID); absent for other keys.", "EC 鍵の曲線（`P-256`、`P-384`、`P-521` など、または OID）。その他の鍵では存在しない。"),
    fact("tls.cert.weak_key", Bool, "tls", "RSA/DSA under 2048 bits or EC under 256 bits.", "RSA/DSA で 2048 ビット未満、または EC で 256 ビット未満。"),
    fact("tls.cert.signature_algorithm", Str, "tls", "The leaf's signature algorithm (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `rsassaPss (SHA-256)`..., or the OID).", "リーフ証明書の署名アルゴリズム（`sha256WithRSAEncryption`、`ecdsa-with-SHA256`、`rsassaPss (SHA-256)` など、または OID）。"),
    fact("tls.cert.weak_signature", Bool, "tls", "The leaf or an intermediate the server sent (not a self-signed root) is signed with SHA-1 or MD5 (or MD2/MD4).", "リーフ証明書、またはサーバが送った中間証明書（自己署名のルートを除く）が SHA-1 または MD5（あるいは MD2/MD4）で署名されている。"),
    fact("tls.cert.weak_signatures", List, "tls", "Which certificates are signed with SHA-1 or MD5: `SUBJECT: ALGORITHM` strings; empty when none.", "SHA-1 または MD5 で署名された証明書（`SUBJECT: ALGORITHM` 形式の文字列）。なければ空。"),
    fact("tls.cert.self_signed", Bool, "tls", "The leaf's issuer is its subject and its signature verifies with its own key.", "リーフ証明書の発行者がサブジェクトと同じで、署名がその証明書自身の鍵で検証できる（自己署名）。"),
    fact("tls.cert.chain_length", Int, "tls", "Certificates the server sent.", "サーバが送った証明書の枚数。"),
    fact("tls.cert.chain_valid", Bool, "tls", "The chain leads to a trust anchor (system roots plus the inventory's `trust`) as rustls would check it, judged apart from expiry: the path is checked at `now` clamped into the leaf's validity, so an expired leaf from a trusted CA is valid here.", "rustls と同じ方法で検証して、チェーンがトラストアンカー（システムのルート証明書と委託先一覧の `trust`）に至る。有効期限とは切り離して判定する：検証時刻は `now` をリーフ証明書の有効期間内に収めたものとするため、信頼された CA が発行した期限切れのリーフ証明書もここでは有効となる。"),
    fact("tls.cert.chain_error", Str, "tls", "Why the chain does not validate (unknown issuer, self-signed, SHA-1 in the path...); empty when it does.", "チェーンの検証に失敗した理由（未知の発行者、自己署名、経路中の SHA-1 など）。検証できたときは空。"),
    fact("tls.cert.trust_store", Str, "tls", "The anchors the chain was validated against (`145 system roots + 1 inventory anchor`, or `no system roots (...)`).", "チェーンの検証に用いたトラストアンカー（`145 system roots + 1 inventory anchor`、または `no system roots (...)`）。"),
    fact("tls.cert.name", Str, "tls", "The name checked against the certificate (the inventory's name).", "証明書と照合した名前（委託先一覧に書かれた名前）。"),
    fact("tls.cert.hostname_match", Bool, "tls", "The name is among the leaf's subjectAltName names (wildcards as browsers match them; an IP literal against IP SANs; the subject CN does not count).", "その名前がリーフ証明書の subjectAltName の名前に含まれる（ワイルドカードはブラウザと同じ規則で照合し、IP アドレスは IP の SAN と照合する。サブジェクトの CN は数えない）。"),
    // Derived TLS facts (src/derive/tls.rs, src/derive/mozilla.rs)
    fact("tls.legacy_protocols", List, "derived", "The accepted versions below TLS 1.2 (`SSLv2`, `SSLv3`, `TLSv1.0`, `TLSv1.1`); unavailable when none was found but the enumeration was incomplete.", "受け入れられた TLS 1.2 未満のバージョン（`SSLv2`、`SSLv3`、`TLSv1.0`、`TLSv1.1`）。見つからなかったが列挙が不完全だったときは「観測できなかった」とする。"),
    fact("tls.weak_suites", List, "derived", "Accepted suites that are NULL, EXPORT, anonymous, RC4, DES or 3DES (any version), each named once.", "受け入れられた暗号スイートのうち、NULL、EXPORT、匿名、RC4、DES または 3DES のもの（バージョンを問わず、各1回）。"),
    fact("tls.no_forward_secrecy_suites", List, "derived", "Accepted TLS 1.2-or-older suites whose key exchange is not ephemeral (static RSA, static (EC)DH, plain PSK...).", "受け入れられた TLS 1.2 以前の暗号スイートのうち、鍵交換が一時的な鍵によらないもの（静的 RSA、静的 (EC)DH、単純な PSK など）。"),
    fact("tls.dhe_suites", List, "derived", "Accepted TLS 1.2-or-older suites with a finite-field ephemeral key exchange (DHE, DH_anon, DHE_PSK), each named once: those whose group `tls.dh_bits` sizes.", "受け入れられた TLS 1.2 以前の暗号スイートのうち、有限体の一時的な鍵交換（DHE、DH_anon、DHE_PSK）を用いるもの（各1回）。そのグループの大きさを `tls.dh_bits` が示す。"),
    fact("tls.mozilla_intermediate.version", Str, "derived", "The profile compared against, with its guidelines version (e.g. `Mozilla intermediate 6.0`).", "比較に用いたプロファイルと、そのガイドラインのバージョン（例：`Mozilla intermediate 6.0`）。"),
    fact("tls.mozilla_intermediate.deviations", List, "derived", "Each way the endpoint deviates from the profile: a protocol, the suites of a version, the certificate's key type, curve, RSA size, signature or lifespan.", "エンドポイントがプロファイルから外れている点のそれぞれ：プロトコル、あるバージョンの暗号スイート、証明書の鍵の種類・曲線・RSA 鍵長・署名・有効期間。"),
    fact("tls.mozilla_intermediate.deviations_ja", List, "derived", "`tls.mozilla_intermediate.deviations` in Japanese, for the Japanese finding message.", "`tls.mozilla_intermediate.deviations` の日本語版（日本語の検出事項メッセージ用）。"),
    // Publication schedule (src/derive/schedule.rs)
    fact("form.opens_at", Str, "derived", "The scheduled go-live (RFC 3339, as the inventory gives it); empty when none.", "公開予定日時（RFC 3339、委託先一覧の記載どおり）。なければ空。"),
    fact("form.closes_at", Str, "derived", "The scheduled close (RFC 3339); empty when none.", "受付終了予定日時（RFC 3339）。なければ空。"),
    fact("form.before_go_live", Bool, "derived", "The run's `now` is before `opens_at` (false when there is none).", "監査実行の `now` が `opens_at` より前である（`opens_at` がなければ false）。"),
    fact("form.after_close", Bool, "derived", "The run's `now` is at or after `closes_at` (false when there is none).", "監査実行の `now` が `closes_at` 以降である（`closes_at` がなければ false）。"),
    // Web forms (src/probe/http.rs, with src/msgs/html.rs and src/derive/caching.rs)
    fact("form.url", Str, "http", "The form URL of the inventory.", "委託先一覧に書かれたフォームの URL。"),
    fact("form.status", Int, "http", "The HTTP status of the form page, fetched cookieless, after the redirects followed.", "Cookie なしで取得したフォームページの、リダイレクトをたどった後の HTTP ステータス。"),
    fact("form.final_url", Str, "http", "The URL of the last response (after redirects within the vendor's assets).", "最後の応答の URL（委託先の資産の中でリダイレクトをたどった後）。"),
    fact("form.redirects", List, "http", "Each redirect followed, as `STATUS URL` (at most 5).", "たどった各リダイレクト（`STATUS URL` 形式、最大5件）。"),
    fact("form.redirect_refused", Str, "http", "The Location not followed because its host is outside the vendor's assets; empty when none.", "ホストが委託先の資産の外にあるためたどらなかった Location。なければ空。"),
    fact("form.open", Bool, "http", "The page is an open form: a 2xx answer with at least one `<form>` that has user inputs.", "ページが受付中のフォームである：2xx の応答で、利用者の入力欄をもつ `<form>` が1つ以上ある。"),
    fact("form.input_count", Int, "http", "User inputs on the page (input other than hidden/submit/button/image/reset, textarea, select).", "ページ上の利用者の入力欄の数（hidden/submit/button/image/reset 以外の input、textarea、select）。"),
    fact("form.pii_fields", List, "http", "The inputs that ask for personal data (by autocomplete token, type, or English/Japanese name, id or label).", "個人情報を求める入力欄（autocomplete トークン、type、または英語・日本語の name、id、label で判定）。"),
    fact("form.prefilled_pii", List, "http", "Personal-data inputs that already carry a value on a cookieless GET of the form page or the leak-probe view page, as `URL field (N chars)`; the value itself is never recorded.", "フォームページまたは漏えい検査の表示ページを Cookie なしで GET したとき、すでに値が入っている個人情報の入力欄（`URL field (N chars)` 形式）。値そのものは記録しない。"),
    fact("form.prefilled_pii_ja", List, "http", "`form.prefilled_pii` in Japanese, for the Japanese finding message.", "`form.prefilled_pii` の日本語版（日本語の検出事項メッセージ用）。"),
    fact("form.https", Bool, "http", "The form page was served over https (the final URL's scheme).", "フォームページが https で配信された（最終 URL のスキームによる）。"),
    fact("form.http_actions", List, "http", "Form action URLs on the page that are plain http.", "ページ上のフォームの action URL のうち、暗号化されない http のもの。"),
    fact("form.hsts", Str, "http", "The Strict-Transport-Security header of the https form page; empty when absent or over http.", "https のフォームページの Strict-Transport-Security ヘッダ。ないとき、または http のときは空。"),
    fact("form.headers", Map, "http", "The form page's response headers (lower-case names; repeated fields joined; Set-Cookie values reduced to the cookie's name and attributes).", "フォームページの応答ヘッダ（名前は小文字。繰り返されたヘッダは連結し、Set-Cookie の値は Cookie の名前と属性だけにする）。"),
    fact("form.weak_cookies", List, "http", "Every Set-Cookie (form page, leak-probe responses) lacking Secure, HttpOnly or SameSite, as `NAME on URL: missing ...`.", "Secure、HttpOnly または SameSite を欠く Set-Cookie のすべて（フォームページと漏えい検査の応答）。`NAME on URL: missing ...` 形式。"),
    fact("form.weak_cookies_ja", List, "http", "`form.weak_cookies` in Japanese, for the Japanese finding message.", "`form.weak_cookies` の日本語版（日本語の検出事項メッセージ用）。"),
    fact("form.cookie_names", List, "http", "The names of the cookies set (Set-Cookie on the form page, its second request and the leak-probe responses), each once; empty when none was set.", "設定された Cookie の名前（フォームページ、その2回目の要求、漏えい検査の応答の Set-Cookie。各1回）。設定されなければ空。"),
    fact("form.cacheable", Bool, "http", "The form page (or the leak-probe view page), fetched cookieless, may be stored by a shared cache, fresh or stale (RFC 9111 §3, RFC 9213 targeted fields, heuristic freshness, Surrogate-Control and X-Accel-Expires as Varnish and nginx apply them), or a second request showed a stored copy served.", "Cookie なしで取得したフォームページ（または漏えい検査の表示ページ）が、新しいか古いかを問わず共有キャッシュに保存されうる（RFC 9111 §3、RFC 9213 の対象指定ヘッダ、ヒューリスティックな鮮度、Varnish と nginx が適用する Surrogate-Control と X-Accel-Expires による）、または2回目の要求で保存済みのコピーが返された。"),
    fact("form.cacheable_reasons", List, "http", "Why each page may or may not be stored by a shared cache, prefixed by its URL, with RFC sections.", "各ページが共有キャッシュに保存されうる、またはされない理由（先頭にその URL、RFC の節番号付き）。"),
    fact("form.cacheable_reasons_ja", List, "http", "`form.cacheable_reasons` in Japanese, for the Japanese finding message (the header fields quoted as the server sent them).", "`form.cacheable_reasons` の日本語版（日本語の検出事項メッセージ用。引用するヘッダはサーバが送ったとおり）。"),
    fact("form.cache_hit", Bool, "http", "A response (first or second cookieless request to the form and view pages) shows a stored copy served by a shared cache: Age > 0 (any member of a list), X-Cache HIT, X-Cache-Status/CF-Cache-Status HIT, STALE, UPDATING or REVALIDATED, Cache-Status (RFC 9211) hit, collapsed, or fwd=stale with fwd-status=304, X-Varnish with two ids.", "応答（フォームページと表示ページへの Cookie なしの1回目または2回目の要求）が、共有キャッシュの保存済みコピーが返されたことを示す：Age > 0（リストのいずれかの要素）、X-Cache が HIT、X-Cache-Status/CF-Cache-Status が HIT・STALE・UPDATING・REVALIDATED のいずれか、Cache-Status（RFC 9211）が hit・collapsed、または fwd=stale かつ fwd-status=304、X-Varnish に ID が2つ。"),
    fact("form.cache_evidence", List, "http", "The headers that show a cache (Via as supporting evidence only), prefixed by URL and request.", "キャッシュの存在を示すヘッダ（Via は補助的な証跡としてのみ）。先頭に URL と要求を付す。"),
    fact("form.cache_evidence_ja", List, "http", "`form.cache_evidence` in Japanese, for the Japanese finding message (the header fields quoted as the server sent them).", "`form.cache_evidence` の日本語版（日本語の検出事項メッセージ用。引用するヘッダはサーバが送ったとおり）。"),
    fact("form.leak_probe", Bool, "http", "The inventory configures an active leak probe (`leak_probe`) for this form.", "委託先一覧で、このフォームに能動的な漏えい検査（`leak_probe`）が設定されている。"),
    fact("form.leak_found", Bool, "http", "The active leak probe (SPEC §7.4) found another session's marker or data in a session's view, or session A's own view without its marker (stale); unavailable when not configured or not testable.", "能動的な漏えい検査（SPEC §7.4）で、あるセッションの表示に別のセッションのマーカーやデータが現れた、またはセッション A 自身の表示にそのマーカーがなかった（古いコピー）。設定されていないか検査できないときは「観測できなかった」とする。"),
    fact("form.leak_evidence", List, "http", "What the leak probe saw: which session was served which marker or filled-in form on which page, and when.", "漏えい検査が観測した内容：どのセッションに、どのページで、どのマーカーまたは入力済みのフォームが、いつ返されたか。"),
    fact("form.leak_evidence_ja", List, "http", "`form.leak_evidence` in Japanese, for the Japanese finding message.", "`form.leak_evidence` の日本語版（日本語の検出事項メッセージ用）。"),
    // Annual report (src/engine/report_facts.rs)
    fact("report.status", Str, "report", "`current`, `stale` (for an earlier fiscal year, one that has not begun, or dated after today), `missing` or `invalid` (any problem; its well-formed answers still count).", "`current`（今年度）、`stale`（過年度：前の年度のもの、まだ始まっていない年度のもの、または今日より後の日付のもの）、`missing`（未提出）または `invalid`（読取不能：何らかの問題がある。正しく書かれた回答は引き続き判定する）。"),
    fact("report.path", Str, "report", "Where the inventory says the report is.", "委託先一覧に書かれた年次報告書の場所。"),
    fact("report.fiscal_year", Int, "report", "The fiscal year the report declares.", "年次報告書が申告する年度。"),
    fact("report.current_fiscal_year", Int, "report", "The fiscal year of the audit's `now`, in the audit timezone.", "監査の `now` が属する年度（監査のタイムゾーンで判定）。"),
    fact("report.error", Str, "report", "Every problem of the report (file:line:column: message, naming the key and the nearest known one), and how many of its answers are still judged.", "年次報告書のすべての問題（ファイル:行:列: メッセージ。該当するキーと、最も近い既知のキーを示す）と、それでも判定する回答の数。"),
    fact("report.current", Bool, "report", "The report is for the audit's fiscal year and not dated after today; absent when its fiscal year cannot be read.", "年次報告書が監査の年度のもので、今日より後の日付でない。年度が読み取れないときは存在しない。"),
    fact("report.stale_reason", Str, "report", "Why the report is not current, with both fiscal years (or the date still ahead); absent when it is current.", "年次報告書が今年度のものでない理由（両方の年度、またはまだ来ていない日付を示す）。今年度のものなら存在しない。"),
    fact("report.path_ja", Str, "report", "`report.path` in Japanese when the report has no path (none named), for the Japanese finding message.", "報告書のパスが指定されていないときの `report.path` の日本語版（日本語の検出事項メッセージ用）。"),
    fact("report.error_ja", Str, "report", "`report.error` in Japanese, for the Japanese finding message.", "`report.error` の日本語版（日本語の検出事項メッセージ用）。"),
    fact("report.stale_reason_ja", Str, "report", "`report.stale_reason` in Japanese, for the Japanese finding message.", "`report.stale_reason` の日本語版（日本語の検出事項メッセージ用）。"),
];

/// The names of the facts whose name starts with `prefix` (`"tls.cert."`, `"form."`), in
/// catalogue order: what a probe marks unavailable, with the reason, when it cannot observe.
pub fn named(prefix: &'static str) -> impl Iterator<Item = &'static str> {
    FACTS
        .iter()
        .map(|f| f.name)
        .filter(move |n| n.starts_with(prefix))
}

/// Marks every catalogued fact recorded by `probe` as unavailable, with `why`.
pub fn mark_unavailable(facts: &mut crate::fact::Facts, probe: &str, why: &str) {
    for spec in FACTS.iter().filter(|f| f.probe == probe) {
        facts.unavailable(spec.name, why);
    }
}

/// [`mark_unavailable`] with the reason in English and Japanese.
pub fn mark_unavailable_both(facts: &mut crate::fact::Facts, probe: &str, why: &super::Text) {
    for spec in FACTS.iter().filter(|f| f.probe == probe) {
        facts.unavailable_both(spec.name, why);
    }
}

pub fn spec(name: &str) -> Option<&'static FactSpec> {
    FACTS.iter().find(|f| f.name == name)
}

/// The first run of three or more English words in `text` outside what is not translated: code
/// in backticks, URLs, fact names and the tokens in `ignore` (check ids...). A word is a token
/// between spaces made of ASCII letters (with `-` or `'` inside), once ASCII punctuation around
/// it is trimmed; anything else, Japanese included, ends a run. Used by the tests that keep the
/// Japanese texts Japanese.
#[cfg(test)]
pub(crate) fn english_sentence(text: &str, ignore: &[&str]) -> Option<String> {
    let mut plain = String::new();
    for (i, part) in text.split('`').enumerate() {
        // Odd parts are inside backticks: a break, as the code is no English word.
        plain.push_str(if i % 2 == 0 { part } else { " | " });
    }
    let is_word = |token: &str| {
        let word = token.trim_matches(|c: char| c.is_ascii_punctuation());
        let exempt = token.starts_with("http://")
            || token.starts_with("https://")
            || ignore.contains(&word)
            || FACTS.iter().any(|f| f.name == word);
        !exempt
            && word.chars().any(|c| c.is_ascii_alphabetic())
            && word
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '-' || c == '\'')
    };
    let mut run: Vec<&str> = Vec::new();
    for token in plain.split_whitespace().chain([" | "]) {
        if is_word(token) {
            run.push(token);
        } else if run.len() >= 3 {
            return Some(run.join(" "));
        } else {
            run.clear();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_japanese(c: char) -> bool {
        matches!(u32::from(c), 0x3040..=0x30FF | 0x4E00..=0x9FFF)
    }

    fn backticked(text: &str) -> Vec<&str> {
        text.split('`').skip(1).step_by(2).collect()
    }

    #[test]
    fn every_fact_has_a_japanese_meaning_that_keeps_its_values() {
        for f in FACTS {
            let (en, ja) = (f.meaning_in(Lang::En), f.meaning_in(Lang::Ja));
            assert!(
                ja.chars().any(is_japanese),
                "{}: no Japanese in {ja:?}",
                f.name
            );
            assert_ne!(ja, en, "{}", f.name);
            assert_eq!(
                en.matches('`').count() % 2,
                0,
                "{}: unpaired backtick",
                f.name
            );
            let ja_code = backticked(ja);
            for code in backticked(en) {
                assert!(
                    ja_code.contains(&code),
                    "{}: `{code}` of the English meaning is not in the Japanese one",
                    f.name
                );
            }
            assert_eq!(
                english_sentence(ja, &[]),
                None,
                "{}: English left in {ja:?}",
                f.name
            );
        }
    }

    #[test]
    fn an_english_sentence_is_found_outside_code_and_names_only() {
        assert_eq!(
            english_sentence("サーバが the legacy layer を受け入れる", &[]).as_deref(),
            Some("the legacy layer")
        );
        assert_eq!(
            english_sentence("`no system roots (...)` を用いた", &[]),
            None
        );
        assert_eq!(english_sentence("RC4 と TLS 1.2", &[]), None);
        assert_eq!(
            english_sentence("read this https://weakdh.org/ page now", &[]),
            None
        );
        let ids = "ssh-exposed and vnc-exposed or tls.dh_bits is";
        assert_eq!(english_sentence(ids, &["ssh-exposed", "vnc-exposed"]), None);
        assert_eq!(
            english_sentence(ids, &[]).as_deref(),
            Some("ssh-exposed and vnc-exposed or")
        );
        assert_eq!(
            english_sentence("Network Level Authentication", &[]).as_deref(),
            Some("Network Level Authentication")
        );
    }
}
