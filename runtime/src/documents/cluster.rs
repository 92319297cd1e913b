//! CLUSTER: k-means over the embeddings.
//!
//! Seeding is deterministic (maximin): the first centre is the document
//! nearest the mean embedding, each next one the document farthest from
//! every centre so far (ties: the earliest document). Lloyd iterations run
//! until no assignment changes (at most 100). Cluster ids are renumbered in
//! order of first appearance in the document list. `k` larger than the
//! number of documents is lowered to it.

use super::state::DocState;
use crate::error::{Result, RuntimeError};

const MAX_ITERATIONS: usize = 100;

fn dist2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

pub fn cluster(state: &mut DocState, algo: i64, k: i64) -> Result<()> {
    if algo != 0 {
        return Err(RuntimeError::value(format!(
            "unknown CLUSTER algo_id {algo} (0 = k-means)"
        )));
    }
    if k < 1 {
        return Err(RuntimeError::value(format!(
            "CLUSTER k = {k} must be at least 1"
        )));
    }
    let Some((dim, data)) = &state.embeddings else {
        return Err(RuntimeError::value(
            "CLUSTER needs embeddings: run EMBED_BATCH first",
        ));
    };
    let points: Vec<&[f32]> = data.chunks(*dim.max(&1)).collect();
    state.clusters = Some(kmeans(&points, k as usize));
    Ok(())
}

/// Cluster ids for `points`, `k` clusters at most.
pub fn kmeans(points: &[&[f32]], k: usize) -> Vec<i64> {
    let n = points.len();
    if n == 0 {
        return Vec::new();
    }
    let dim = points[0].len();
    let k = k.min(n);
    let mut mean = vec![0f32; dim];
    for p in points {
        mean.iter_mut()
            .zip(p.iter())
            .for_each(|(m, x)| *m += x / n as f32);
    }
    let nearest = |c: &[f32]| {
        (0..n)
            .min_by(|&a, &b| {
                dist2(points[a], c)
                    .total_cmp(&dist2(points[b], c))
                    .then(a.cmp(&b))
            })
            .unwrap_or(0)
    };
    let mut centres: Vec<Vec<f32>> = vec![points[nearest(&mean)].to_vec()];
    while centres.len() < k {
        let far = (0..n)
            .map(|i| {
                let d = centres
                    .iter()
                    .map(|c| dist2(points[i], c))
                    .fold(f32::INFINITY, f32::min);
                (i, d)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map_or(0, |(i, _)| i);
        centres.push(points[far].to_vec());
    }
    let mut assign = vec![usize::MAX; n];
    for _ in 0..MAX_ITERATIONS {
        let mut changed = false;
        for (i, p) in points.iter().enumerate() {
            let best = (0..centres.len())
                .min_by(|&a, &b| {
                    dist2(p, &centres[a])
                        .total_cmp(&dist2(p, &centres[b]))
                        .then(a.cmp(&b))
                })
                .unwrap_or(0);
            if assign[i] != best {
                assign[i] = best;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        for (c, centre) in centres.iter_mut().enumerate() {
            let members: Vec<&[f32]> = (0..n)
                .filter(|&i| assign[i] == c)
                .map(|i| points[i])
                .collect();
            if members.is_empty() {
                continue;
            }
            centre.iter_mut().for_each(|x| *x = 0.0);
            for m in &members {
                centre
                    .iter_mut()
                    .zip(m.iter())
                    .for_each(|(x, y)| *x += y / members.len() as f32);
            }
        }
    }
    // Renumber by first appearance.
    let mut order: Vec<usize> = Vec::new();
    assign
        .iter()
        .map(|&c| match order.iter().position(|&o| o == c) {
            Some(i) => i as i64,
            None => {
                order.push(c);
                (order.len() - 1) as i64
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::kmeans;

    #[test]
    fn separates_two_groups_deterministically() {
        let pts: Vec<Vec<f32>> = vec![
            vec![0.0, 1.0],
            vec![1.0, 0.0],
            vec![0.1, 0.99],
            vec![0.98, 0.05],
            vec![0.05, 1.0],
        ];
        let refs: Vec<&[f32]> = pts.iter().map(|p| p.as_slice()).collect();
        assert_eq!(kmeans(&refs, 2), vec![0, 1, 0, 1, 0]);
        assert_eq!(kmeans(&refs, 1), vec![0; 5]);
        assert_eq!(kmeans(&refs, 9), kmeans(&refs, 5));
        assert_eq!(kmeans(&refs, 5).iter().max(), Some(&4));
        assert!(kmeans(&[], 3).is_empty());
    }
}
