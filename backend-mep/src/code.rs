//! Decoding the code section: bytes -> instructions, driven by the opcode table.

use crate::error::{ErrorKind, MepError};
use crate::opcode::{Instruction, Opcode};
use crate::operand::{ConstId, ModelId, Offset, Operand, OperandKind, Slot};
use crate::reader::Reader;

/// Decodes a whole code section. `base` is the file offset of its first byte.
///
/// Undefined subtype codes are reported and decoding goes on with the next
/// instruction; an unknown opcode or a truncated instruction ends decoding,
/// since the next instruction boundary is then unknown.
pub fn decode_code(bytes: &[u8], base: usize) -> Result<Vec<Instruction>, Vec<MepError>> {
    let mut r = Reader::new(bytes, base);
    let mut code = Vec::new();
    let mut errors = Vec::new();
    while !r.is_empty() {
        match decode_instruction(&mut r) {
            Ok(instruction) => code.push(instruction),
            Err((error, recoverable)) => {
                errors.push(error);
                if !recoverable {
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(code)
    } else {
        Err(errors)
    }
}

/// Decodes one instruction. On error, says whether the reader still stands on
/// the next instruction boundary.
fn decode_instruction(r: &mut Reader<'_>) -> Result<Instruction, (MepError, bool)> {
    let at = r.offset();
    let byte = r.u8("opcode").map_err(|e| (e, false))?;
    let opcode = Opcode::from_byte(byte)
        .ok_or((MepError::new(at, ErrorKind::UnknownOpcode { byte }), false))?;
    let spec = opcode.spec();
    let truncated = |_| {
        (
            MepError::new(
                at,
                ErrorKind::TruncatedInstruction {
                    mnemonic: spec.mnemonic,
                },
            ),
            false,
        )
    };
    let mut operands = Vec::with_capacity(spec.operands.len());
    let mut bad_subtype = None;
    for operand in spec.operands {
        let operand_at = r.offset();
        let value = match operand.kind {
            OperandKind::Slot => Operand::Slot(Slot(r.u8("slot").map_err(truncated)?)),
            OperandKind::Const(_) => Operand::Const(ConstId(r.u16("const").map_err(truncated)?)),
            OperandKind::Model => Operand::Model(ModelId(r.u8("model").map_err(truncated)?)),
            OperandKind::Imm8 => Operand::Imm8(r.u8("immediate").map_err(truncated)?),
            OperandKind::Offset => Operand::Offset(Offset(r.i16("offset").map_err(truncated)?)),
            OperandKind::SlotList => {
                let count = r.u8("count").map_err(truncated)?;
                let slots = r.bytes(count as usize, "slot list").map_err(truncated)?;
                Operand::Slots(slots.iter().map(|&s| Slot(s)).collect())
            }
            OperandKind::Subtype(table) => {
                let code = r.u8("subtype").map_err(truncated)?;
                if table.name_of(code).is_none() && bad_subtype.is_none() {
                    bad_subtype = Some(MepError::new(
                        operand_at,
                        ErrorKind::UndefinedSubtype {
                            mnemonic: spec.mnemonic,
                            table: table.name,
                            code,
                            known: known_codes(table),
                        },
                    ));
                }
                Operand::Subtype(code)
            }
        };
        operands.push(value);
    }
    if let Some(error) = bad_subtype {
        return Err((error, true));
    }
    // Every operand was read by the kind the table declares, so this only
    // fails if the table and the instruction enum disagree.
    Instruction::from_operands(opcode, &operands).ok_or((
        MepError::new(
            at,
            ErrorKind::TruncatedInstruction {
                mnemonic: spec.mnemonic,
            },
        ),
        true,
    ))
}

fn known_codes(table: &crate::subtype::SubtypeTable) -> String {
    table
        .entries
        .iter()
        .map(|(code, name)| format!("{code}={name}"))
        .collect::<Vec<_>>()
        .join(", ")
}
