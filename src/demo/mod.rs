pub mod rdp;
