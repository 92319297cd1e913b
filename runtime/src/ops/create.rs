//! `TENSOR_CREATE` and `TENSOR_RANDOM`.

use omex_mep::subtype::{CreateOp, RandomDist};

use super::{check_size, filled, nums_to_tensor, value_to_tensor};
use crate::error::{Result, RuntimeError};
use crate::rng::Rng;
use crate::tensor::{DType, Num, Tensor};
use crate::value::{Value, type_mismatch, want_int, want_shape};

/// `TENSOR_CREATE dtype op params`.
pub fn create(dtype: DType, op: CreateOp, params: &[&Value]) -> Result<Tensor> {
    let what = format!("TENSOR_CREATE {op}");
    let param = |i: usize| -> Result<&Value> {
        params
            .get(i)
            .copied()
            .ok_or_else(|| RuntimeError::value(format!("{what}: missing parameter {i}")))
    };
    match op {
        CreateOp::FromPy => value_to_tensor(param(0)?, Some(dtype), &what),
        CreateOp::Arange => arange(dtype, params, &what),
        CreateOp::Zeros | CreateOp::Ones => {
            let shape = want_shape(param(0)?, &format!("{what} shape"))?;
            check_size(&shape, &what)?;
            let fill = if op == CreateOp::Ones {
                Num::Int(1)
            } else {
                Num::Int(0)
            };
            Ok(filled(&shape, fill, dtype))
        }
        CreateOp::Full => {
            let shape = want_shape(param(0)?, &format!("{what} shape"))?;
            check_size(&shape, &what)?;
            let v = param(1)?;
            let fill = v
                .as_num()
                .ok_or_else(|| type_mismatch(&format!("{what} value"), "a number or a bool", v))?;
            Ok(filled(&shape, fill, dtype))
        }
    }
}

fn arange(dtype: DType, params: &[&Value], what: &str) -> Result<Tensor> {
    let nums: Vec<Num> = params
        .iter()
        .map(|v| match v {
            Value::Int(i) => Ok(Num::Int(*i)),
            Value::Float(f) => Ok(Num::Float(*f)),
            other => Err(type_mismatch(what, "numbers (start, end, step)", other)),
        })
        .collect::<Result<_>>()?;
    let (start, end, step) = match nums.as_slice() {
        [end] => (Num::Int(0), *end, Num::Int(1)),
        [start, end] => (*start, *end, Num::Int(1)),
        [start, end, step] => (*start, *end, *step),
        _ => {
            return Err(RuntimeError::value(format!(
                "{what}: takes end, or start and end, or start, end and step"
            )));
        }
    };
    if step.as_f64() == 0.0 {
        return Err(RuntimeError::value(format!(
            "{what}: step must not be zero"
        )));
    }
    let all_int = [start, end, step].iter().all(|n| matches!(n, Num::Int(_)));
    let count = ((end.as_f64() - start.as_f64()) / step.as_f64()).ceil();
    let count = if count.is_finite() && count > 0.0 {
        count as usize
    } else {
        0
    };
    check_size(&[count], what)?;
    let data: Vec<Num> = if all_int {
        let (s, st) = (start.as_i64(), step.as_i64());
        (0..count)
            .map(|i| Num::Int(s.wrapping_add((i as i64).wrapping_mul(st))))
            .collect()
    } else {
        let (s, st) = (start.as_f64(), step.as_f64());
        (0..count).map(|i| Num::Float(s + i as f64 * st)).collect()
    };
    nums_to_tensor(&[count], &data, dtype)
}

/// `TENSOR_RANDOM dtype dist shape seed`: the same seed gives the same tensor.
pub fn random(dtype: DType, dist: RandomDist, shape: &Value, seed: &Value) -> Result<Tensor> {
    let what = format!("TENSOR_RANDOM {dist}");
    if !dtype.is_float() {
        return Err(RuntimeError::type_error(format!(
            "{what}: random tensors are floats (f32, f64, f16), not {dtype}"
        )));
    }
    let shape = want_shape(shape, &format!("{what} shape"))?;
    let n = check_size(&shape, &what)?;
    let seed = want_int(seed, &format!("{what} seed"))?;
    let mut rng = Rng::new(seed as u64);
    let data: Vec<f64> = (0..n)
        .map(|_| match dist {
            RandomDist::Gaussian => rng.gaussian(),
            RandomDist::Uniform => rng.next_f64(),
        })
        .collect();
    Ok(Tensor::from_vec(&shape, data)?.cast(dtype))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arange_forms() {
        let t = create(DType::I64, CreateOp::Arange, &[&Value::Int(4)]).unwrap();
        assert_eq!(t.to_string(), "[0, 1, 2, 3]");
        let t = create(
            DType::F32,
            CreateOp::Arange,
            &[&Value::Int(1), &Value::Int(2), &Value::Float(0.25)],
        )
        .unwrap();
        assert_eq!(t.to_string(), "[1.0, 1.25, 1.5, 1.75]");
    }

    #[test]
    fn random_is_seeded() {
        let shape = Value::list(vec![Value::Int(2), Value::Int(3)]);
        let a = random(DType::F32, RandomDist::Gaussian, &shape, &Value::Int(7)).unwrap();
        let b = random(DType::F32, RandomDist::Gaussian, &shape, &Value::Int(7)).unwrap();
        let c = random(DType::F32, RandomDist::Gaussian, &shape, &Value::Int(8)).unwrap();
        assert_eq!(a.to_string(), b.to_string());
        assert_ne!(a.to_string(), c.to_string());
    }
}
