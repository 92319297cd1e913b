//! The one table of BIR instructions: opcode byte, mnemonic and operand
//! kinds in encoding order. The decoder, encoder, assembler, disassembler and
//! lowering are all driven by it.

/// How a 4-byte operand is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperandKind {
    /// Little-endian `i32`.
    Int,
    /// Little-endian IEEE-754 `f32`.
    Float,
    /// Little-endian `u32` index into the constant pool.
    Str,
}

impl OperandKind {
    pub fn name(self) -> &'static str {
        match self {
            OperandKind::Int => "an integer",
            OperandKind::Float => "a float",
            OperandKind::Str => "a constant-pool reference",
        }
    }
}

macro_rules! opcodes {
    ($( $(#[$doc:meta])* $name:ident = $byte:literal, $mnemonic:literal, [$($operand:ident: $kind:ident),*]; )*) => {
        /// A BIR opcode.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Opcode {
            $( $(#[$doc])* $name, )*
        }

        impl Opcode {
            /// Every opcode, in byte order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name),*];

            pub fn byte(self) -> u8 {
                match self { $(Opcode::$name => $byte,)* }
            }

            pub fn from_byte(byte: u8) -> Option<Opcode> {
                match byte { $($byte => Some(Opcode::$name),)* _ => None }
            }

            pub fn mnemonic(self) -> &'static str {
                match self { $(Opcode::$name => $mnemonic,)* }
            }

            pub fn from_mnemonic(text: &str) -> Option<Opcode> {
                match text { $($mnemonic => Some(Opcode::$name),)* _ => None }
            }

            /// The operands in encoding order: name and kind.
            pub fn operands(self) -> &'static [(&'static str, OperandKind)] {
                match self { $(Opcode::$name => &[$((stringify!($operand), OperandKind::$kind)),*],)* }
            }
        }
    };
}

opcodes! {
    /// No operation.
    Nop = 0x00, "NOP", [];
    /// Load a dataset (a folder or a file of documents).
    LoadDataset = 0x01, "LOAD_DATASET", [cid: Str];
    /// Keep only the documents whose kind bit is set in `mask`.
    SetFilter = 0x05, "SET_FILTER", [mask: Int];
    /// OCR the images, dropping words below the confidence threshold.
    OcrConf = 0x12, "OCR_CONF", [thr: Float];
    /// Embed every document, `size` documents per model run.
    EmbedBatch = 0x30, "EMBED_BATCH", [size: Int];
    /// Cluster the embeddings into `k` groups with algorithm `algo_id`.
    Cluster = 0x41, "CLUSTER", [algo_id: Int, k: Int];
    /// Summarise with a language model.
    Summarize = 0x55, "SUMMARIZE", [scope_id: Int, model_id: Str, temp: Float];
    /// Apply a compression strategy to the documents' text.
    Compress = 0x70, "COMPRESS", [strategy_id: Int];
    /// Assemble the capsule within `token_budget` tokens.
    BuildCapsule = 0x90, "BUILD_CAPSULE", [token_budget: Int];
    /// Write the capsule to a file.
    WriteOutput = 0xA0, "WRITE_OUTPUT", [file_ref: Str];
    /// Stop.
    Halt = 0xF0, "HALT", [];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for &op in Opcode::ALL {
            assert_eq!(Opcode::from_byte(op.byte()), Some(op));
            assert_eq!(Opcode::from_mnemonic(op.mnemonic()), Some(op));
            assert!(op.operands().len() <= 15);
        }
        let bytes: Vec<u8> = Opcode::ALL.iter().map(|o| o.byte()).collect();
        assert!(bytes.windows(2).all(|w| w[0] < w[1]), "in byte order");
        assert_eq!(Opcode::from_byte(0x02), None);
    }
}
