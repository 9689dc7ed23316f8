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

/// For every node on some dependency cycle, one cycle through it (beginning and ending with
/// the node), found with two breadth-first searches per strongly connected component rather
/// than one search per node, so that a dense graph of 10,000 services costs milliseconds.
/// Nodes are `0..edges.len()`; `edges[n]` lists `n`'s dependencies in a fixed order, which makes
/// the cycles reported the same from one run to the next.
pub fn cycles_through(edges: &[Vec<usize>]) -> HashMap<usize, Vec<usize>> {
    let n = edges.len();
    let mut reverse = vec![Vec::new(); n];
    for (from, targets) in edges.iter().enumerate() {
        for &to in targets {
            reverse[to].push(from);
        }
    }
    let mut out = HashMap::new();
    for component in strongly_connected(edges) {
        let root = component[0];
        let self_loop = edges[root].contains(&root);
        if component.len() == 1 && !self_loop {
            continue;
        }
        let members: HashSet<usize> = component.iter().copied().collect();
        // Paths root → v (forward) and v → root (on the reversed graph), inside the component.
        let down = bfs_parents(root, edges, &members);
        let up = bfs_parents(root, &reverse, &members);
        for &v in &component {
            let cycle = if v == root {
                // The component's shortest way back to root: root → … → p → root.
                let back = reverse[root]
                    .iter()
                    .filter(|p| members.contains(p))
                    .min_by_key(|p| depth(**p, &down));
                match back {
                    Some(&p) => {
                        let mut c = path_to(p, &down);
                        c.push(root);
                        c
                    }
                    None => continue,
                }
            } else {
                // v → … → root (reverse of the up-tree path), then root → … → v.
                let mut c = path_to(v, &up);
                c.reverse();
                let forward = path_to(v, &down);
                c.extend(forward.into_iter().skip(1));
                c
            };
            out.insert(v, cycle);
        }
    }
    out
}

/// Parents of a breadth-first search from `root` that stays inside `within`.
fn bfs_parents(
    root: usize,
    edges: &[Vec<usize>],
    within: &HashSet<usize>,
) -> HashMap<usize, usize> {
    let mut parent = HashMap::from([(root, root)]);
    let mut queue = VecDeque::from([root]);
    while let Some(node) = queue.pop_front() {
        for &t in &edges[node] {
            if within.contains(&t) && !parent.contains_key(&t) {
                parent.insert(t, node);
                queue.push_back(t);
            }
        }
    }
    parent
}

fn depth(mut v: usize, parent: &HashMap<usize, usize>) -> usize {
    let mut d = 0;
    while let Some(&p) = parent.get(&v) {
        if p == v {
            break;
        }
        v = p;
        d += 1;
    }
    d
}

/// The tree path from the search's root to `v`.
fn path_to(mut v: usize, parent: &HashMap<usize, usize>) -> Vec<usize> {
    let mut path = vec![v];
    while let Some(&p) = parent.get(&v) {
        if p == v {
            break;
        }
        path.push(p);
        v = p;
    }
    path.reverse();
    path
}

/// Strongly connected components (Tarjan, iterative so that deep graphs cannot overflow the
/// stack), each with its smallest node first.
pub fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for start in 0..n {
        if index[start] != usize::MAX {
            continue;
        }
        // (node, position in its edge list)
        let mut work = vec![(start, 0usize)];
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if let Some(&w) = edges[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                out.push(component);
            }
        }
    }
    out
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
    fn every_node_on_a_cycle_gets_a_real_cycle_through_it() {
        // 0 → 1 → 2 → 0, 2 → 3 (not on a cycle), 4 → 4 (a self-loop), 5 → 1.
        let edges = vec![vec![1], vec![2], vec![0, 3], vec![], vec![4], vec![1]];
        let cycles = cycles_through(&edges);
        let mut on: Vec<usize> = cycles.keys().copied().collect();
        on.sort_unstable();
        assert_eq!(on, vec![0, 1, 2, 4]);
        for (v, c) in &cycles {
            assert_eq!((c.first(), c.last()), (Some(v), Some(v)), "{c:?}");
            for pair in c.windows(2) {
                assert!(
                    edges[pair[0]].contains(&pair[1]),
                    "{c:?} uses a missing edge"
                );
            }
        }
        assert_eq!(cycles[&4], vec![4, 4]);
    }

    #[test]
    fn no_cycle_when_start_is_only_downstream_of_one() {
        let g = [("a", "b"), ("b", "a"), ("b", "d")];
        assert_eq!(shortest_cycle(&"d", &graph(&g)), None);
    }
}
