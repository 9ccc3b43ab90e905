//! Banner probe: recognises server-first protocols (SSH, FTP, Telnet, VNC, MySQL) from the first
//! bytes a server sends, and client-first ones (SMB, PostgreSQL, MS SQL) by a minimal request (stub).
