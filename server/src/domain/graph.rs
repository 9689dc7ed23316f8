//! Dependency-graph rules. Cycles are allowed (they exist in the world) but reported.

use std::collections::{HashMap, HashSet, VecDeque};

/// The shortest dependency path that leaves `start` and returns to it, as a list of node
/// keys beginning and ending with `start`, or `None` when `start` is on no cycle.
/// `edges` maps a node to its direct dependencies.
pub fn shortest_cycle<K>(start: &K, edges: &HashMap<K, Vec<K>>) -> Option<Vec<K>>
where
    K: Clone + Eq + std::hash::Hash,
{
    // Breadth-first: the first edge back to `start` closes a shortest cycle.
    let mut came_from: HashMap<K, K> = HashMap::new();
    let mut seen: HashSet<K> = HashSet::from([start.clone()]);
    let mut frontier = vec![start.clone()];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for node in &frontier {
            for target in edges.get(node).into_iter().flatten() {
                if target == start {
                    let mut path = VecDeque::from([start.clone()]);
                    let mut cur = node.clone();
                    while &cur != start {
                        path.push_front(cur.clone());
                        cur = came_from[&cur].clone();
                    }
                    path.push_front(start.clone());
                    return Some(path.into());
                }
                if seen.insert(target.clone()) {
                    came_from.insert(target.clone(), node.clone());
                    next.push(target.clone());
                }
            }
        }
        frontier = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, Vec<&'static str>> {
        let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
        for (a, b) in pairs {
            out.entry(*a).or_default().push(*b);
        }
        out
    }

    #[test]
    fn finds_the_shortest_cycle_through_start() {
        let g = [("a", "b"), ("b", "c"), ("c", "a"), ("b", "a"), ("c", "d")];
        assert_eq!(shortest_cycle(&"a", &graph(&g)), Some(vec!["a", "b", "a"]));
        assert_eq!(
            shortest_cycle(&"c", &graph(&g)),
            Some(vec!["c", "a", "b", "c"])
        );
    }

    #[test]
    fn no_cycle_when_start_is_only_downstream_of_one() {
        let g = [("a", "b"), ("b", "a"), ("b", "d")];
        assert_eq!(shortest_cycle(&"d", &graph(&g)), None);
    }
}
