//! Evaluating parsed expressions against an item: conditions to a boolean, updates to a new item,
//! projections to a partial item. Updates compute every new value from the item as it was, then
//! apply them all, so a failing update leaves the original untouched.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::ast::{Comparator, Condition, Operand, Path, Segment, SetOperand, SetValue, Update};
use super::parse::with_stack;
use crate::dynamodb::error::validation;
use crate::dynamodb::number::Number;
use crate::dynamodb::value::{Item, Value};
use crate::wire::AwsError;

/// The value at `path` in `item`, if there is one.
pub fn resolve<'a>(item: &'a Item, path: &Path) -> Option<&'a Value> {
    let mut segments = path.segments.iter();
    let Some(Segment::Attr(root)) = segments.next() else {
        return None;
    };
    let mut current = item.get(root)?;
    for segment in segments {
        current = match (segment, current) {
            (Segment::Attr(name), Value::M(map)) => map.get(name)?,
            (Segment::Index(index), Value::L(list)) => list.get(*index)?,
            _ => return None,
        };
    }
    Some(current)
}

/// The order of two scalars of the same comparable type (S by UTF-8 bytes, N numerically, B by
/// bytes); `None` when they cannot be ordered.
pub fn compare_values(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::S(x), Value::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::N(x), Value::N(y)) => Some(x.cmp(y)),
        (Value::B(x), Value::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Does `condition` hold for `item` (absent items have no attributes)?
pub fn evaluate(condition: &Condition, item: Option<&Item>) -> bool {
    let empty = Item::new();
    let item = item.unwrap_or(&empty);
    holds(condition, item)
}

fn holds(condition: &Condition, item: &Item) -> bool {
    match condition {
        Condition::Compare(left, comparator, right) => {
            match (operand(left, item), operand(right, item)) {
                (Some(left), Some(right)) => compare(&left, *comparator, &right),
                // A missing attribute equals nothing and orders against nothing, so it differs
                // from everything: `<>` holds, every other comparison fails.
                _ => *comparator == Comparator::Ne,
            }
        }
        Condition::Between(subject, low, high) => {
            let (Some(subject), Some(low), Some(high)) = (
                operand(subject, item),
                operand(low, item),
                operand(high, item),
            ) else {
                return false;
            };
            compare(&subject, Comparator::Ge, &low) && compare(&subject, Comparator::Le, &high)
        }
        Condition::In(subject, options) => operand(subject, item).is_some_and(|subject| {
            options
                .iter()
                .filter_map(|option| operand(option, item))
                .any(|option| same_value(&option, &subject))
        }),
        Condition::AttributeExists(path) => resolve(item, path).is_some(),
        Condition::AttributeNotExists(path) => resolve(item, path).is_none(),
        Condition::AttributeType(subject, type_name) => {
            match (operand(subject, item), operand(type_name, item)) {
                (Some(value), Some(Value::S(name))) => value.type_name() == name,
                _ => false,
            }
        }
        Condition::BeginsWith(subject, prefix) => {
            match (operand(subject, item), operand(prefix, item)) {
                (Some(Value::S(s)), Some(Value::S(p))) => s.starts_with(p.as_str()),
                (Some(Value::B(s)), Some(Value::B(p))) => s.starts_with(&p),
                _ => false,
            }
        }
        Condition::Contains(subject, needle) => {
            match (operand(subject, item), operand(needle, item)) {
                (Some(Value::S(s)), Some(Value::S(n))) => s.contains(n.as_str()),
                (Some(Value::B(s)), Some(Value::B(n))) => {
                    n.is_empty() || s.windows(n.len()).any(|window| window == n.as_slice())
                }
                (Some(Value::Ss(set)), Some(Value::S(n))) => set.contains(&n),
                (Some(Value::Ns(set)), Some(Value::N(n))) => set.contains(&n),
                (Some(Value::Bs(set)), Some(Value::B(n))) => set.contains(&n),
                (Some(Value::L(list)), Some(n)) => list.iter().any(|member| same_value(member, &n)),
                _ => false,
            }
        }
        Condition::And(a, b) => with_stack(|| holds(a, item) && holds(b, item)),
        Condition::Or(a, b) => with_stack(|| holds(a, item) || holds(b, item)),
        Condition::Not(inner) => !with_stack(|| holds(inner, item)),
    }
}

/// Equality as conditions see it: sets are equal when they hold the same members in any
/// order, numbers when they are the same number, maps and lists member by member.
pub fn same_value(a: &Value, b: &Value) -> bool {
    fn same_set<T>(a: &[T], b: &[T], equal: impl Fn(&T, &T) -> bool) -> bool {
        a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| equal(x, y)))
    }
    match (a, b) {
        (Value::N(x), Value::N(y)) => x.cmp(y) == Ordering::Equal,
        (Value::Ss(x), Value::Ss(y)) => same_set(x, y, |a, b| a == b),
        (Value::Ns(x), Value::Ns(y)) => same_set(x, y, |a, b| a.cmp(b) == Ordering::Equal),
        (Value::Bs(x), Value::Bs(y)) => same_set(x, y, |a, b| a == b),
        (Value::L(x), Value::L(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| with_stack(|| same_value(a, b)))
        }
        (Value::M(x), Value::M(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(name, a)| y.get(name).is_some_and(|b| with_stack(|| same_value(a, b))))
        }
        _ => a == b,
    }
}

fn compare(left: &Value, comparator: Comparator, right: &Value) -> bool {
    match comparator {
        Comparator::Eq => same_value(left, right),
        Comparator::Ne => !same_value(left, right),
        ordering => match compare_values(left, right) {
            Some(order) => match ordering {
                Comparator::Lt => order == Ordering::Less,
                Comparator::Le => order != Ordering::Greater,
                Comparator::Gt => order == Ordering::Greater,
                _ => order != Ordering::Less,
            },
            None => false,
        },
    }
}

fn operand(subject: &Operand, item: &Item) -> Option<Value> {
    match subject {
        Operand::Value(value) => Some(value.clone()),
        Operand::Path(path) => resolve(item, path).cloned(),
        Operand::Size(inner) => {
            let size = match &with_stack(|| operand(inner, item))? {
                Value::S(s) => s.chars().count(),
                Value::B(b) => b.len(),
                Value::Ss(set) => set.len(),
                Value::Ns(set) => set.len(),
                Value::Bs(set) => set.len(),
                Value::M(map) => map.len(),
                Value::L(list) => list.len(),
                _ => return None,
            };
            Number::parse(&size.to_string()).ok().map(Value::N)
        }
    }
}

/// What DynamoDB answers when an update meets a value of the wrong type in the item.
pub const INCORRECT_OPERAND: &str =
    "An operand in the update expression has an incorrect data type";

fn incorrect_type() -> AwsError {
    validation(INCORRECT_OPERAND)
}

fn invalid_path() -> AwsError {
    validation("The document path provided in the update expression is invalid for update")
}

/// Applies `update` to `item`, returning the new item; `item` itself is never modified.
pub fn apply_update(update: &Update, item: &Item) -> Result<Item, AwsError> {
    // Every right-hand side is computed against the item as it was before the update.
    let mut assignments = Vec::with_capacity(update.set.len());
    for (path, value) in &update.set {
        assignments.push((path, set_value(value, item)?));
    }
    // Indexes past the end of a list append, lowest index first, whatever their order.
    assignments.sort_by_key(|(path, _)| match path.segments.last() {
        Some(Segment::Index(index)) => *index,
        _ => 0,
    });
    let mut new = item.clone();
    for (path, value) in assignments {
        write(&mut new, path, value)?;
    }
    // Removing list elements from the highest index down keeps the others where they were.
    let mut removals: Vec<&Path> = update.remove.iter().collect();
    removals.sort_by_key(|path| {
        std::cmp::Reverse(match path.segments.last() {
            Some(Segment::Index(index)) => *index,
            _ => 0,
        })
    });
    for path in removals {
        remove(&mut new, path)?;
    }
    for (path, value) in &update.add {
        let merged = match (resolve(&new, path), value) {
            (None, value) => value.clone(),
            (Some(Value::N(current)), Value::N(delta)) => Value::N(
                current
                    .add(delta)
                    .map_err(|error| validation(error.to_string()))?,
            ),
            (Some(Value::Ss(current)), Value::Ss(more)) => Value::Ss(union(current, more)),
            (Some(Value::Ns(current)), Value::Ns(more)) => Value::Ns(union(current, more)),
            (Some(Value::Bs(current)), Value::Bs(more)) => Value::Bs(union(current, more)),
            _ => return Err(incorrect_type()),
        };
        write(&mut new, path, merged)?;
    }
    for (path, value) in &update.delete {
        let remaining = match (resolve(&new, path), value) {
            (None, _) => continue,
            (Some(Value::Ss(current)), Value::Ss(gone)) => Value::Ss(difference(current, gone)),
            (Some(Value::Ns(current)), Value::Ns(gone)) => Value::Ns(difference(current, gone)),
            (Some(Value::Bs(current)), Value::Bs(gone)) => Value::Bs(difference(current, gone)),
            _ => return Err(incorrect_type()),
        };
        let empty = match &remaining {
            Value::Ss(set) => set.is_empty(),
            Value::Ns(set) => set.is_empty(),
            Value::Bs(set) => set.is_empty(),
            _ => false,
        };
        if empty {
            remove(&mut new, path)?;
        } else {
            write(&mut new, path, remaining)?;
        }
    }
    Ok(new)
}

fn union<T: Clone + PartialEq>(current: &[T], more: &[T]) -> Vec<T> {
    let mut out = current.to_vec();
    for member in more {
        if !out.contains(member) {
            out.push(member.clone());
        }
    }
    out
}

fn difference<T: Clone + PartialEq>(current: &[T], gone: &[T]) -> Vec<T> {
    current
        .iter()
        .filter(|m| !gone.contains(m))
        .cloned()
        .collect()
}

fn set_value(value: &SetValue, item: &Item) -> Result<Value, AwsError> {
    match value {
        SetValue::Operand(operand) => set_operand(operand, item),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let (Value::N(a), Value::N(b)) = (set_operand(a, item)?, set_operand(b, item)?) else {
                return Err(incorrect_type());
            };
            let result = if matches!(value, SetValue::Plus(..)) {
                a.add(&b)
            } else {
                a.sub(&b)
            };
            result
                .map(Value::N)
                .map_err(|error| validation(error.to_string()))
        }
    }
}

fn set_operand(operand: &SetOperand, item: &Item) -> Result<Value, AwsError> {
    match operand {
        SetOperand::Value(value) => Ok(value.clone()),
        SetOperand::Path(path) => resolve(item, path).cloned().ok_or_else(|| {
            validation(
                "The provided expression refers to an attribute that does not exist in the item",
            )
        }),
        SetOperand::IfNotExists(path, default) => match resolve(item, path) {
            Some(value) => Ok(value.clone()),
            None => with_stack(|| set_operand(default, item)),
        },
        SetOperand::ListAppend(a, b) => {
            let (Value::L(mut first), Value::L(second)) =
                with_stack(|| Ok::<_, AwsError>((set_operand(a, item)?, set_operand(b, item)?)))?
            else {
                return Err(incorrect_type());
            };
            first.extend(second);
            Ok(Value::L(first))
        }
    }
}

/// Writes `value` at `path`; the parent must exist and be of the right kind. An index past the
/// end of a list appends.
fn write(item: &mut Item, path: &Path, value: Value) -> Result<(), AwsError> {
    let (root, middle, last) = match path.segments.as_slice() {
        [Segment::Attr(name)] => {
            item.insert(name.clone(), value);
            return Ok(());
        }
        [Segment::Attr(root), middle @ .., last] => (root, middle, last),
        _ => return Err(invalid_path()),
    };
    let mut container = item.get_mut(root).ok_or_else(invalid_path)?;
    for segment in middle {
        container = step_mut(container, segment).ok_or_else(invalid_path)?;
    }
    match (last, container) {
        (Segment::Attr(name), Value::M(map)) => {
            map.insert(name.clone(), value);
        }
        (Segment::Index(index), Value::L(list)) => {
            if *index < list.len() {
                list[*index] = value;
            } else {
                list.push(value);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

/// Removes what `path` names. Everything above it must exist and be a map or list as the path
/// says; a missing map key or an index past the end of a list removes nothing.
fn remove(item: &mut Item, path: &Path) -> Result<(), AwsError> {
    let (root, middle, last) = match path.segments.as_slice() {
        [Segment::Attr(name)] => {
            item.remove(name);
            return Ok(());
        }
        [Segment::Attr(root), middle @ .., last] => (root, middle, last),
        _ => return Err(invalid_path()),
    };
    let mut container = item.get_mut(root).ok_or_else(invalid_path)?;
    for segment in middle {
        container = step_mut(container, segment).ok_or_else(invalid_path)?;
    }
    match (last, container) {
        (Segment::Attr(name), Value::M(map)) => {
            map.remove(name);
        }
        (Segment::Index(index), Value::L(list)) => {
            if *index < list.len() {
                list.remove(*index);
            }
        }
        _ => return Err(invalid_path()),
    }
    Ok(())
}

fn step_mut<'a>(value: &'a mut Value, segment: &Segment) -> Option<&'a mut Value> {
    match (segment, value) {
        (Segment::Attr(name), Value::M(map)) => map.get_mut(name),
        (Segment::Index(index), Value::L(list)) => list.get_mut(*index),
        _ => None,
    }
}

/// The parts of `item` that `paths` name, nested as in the item. List elements keep their
/// relative order.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut tree: BTreeMap<String, Projected> = BTreeMap::new();
    for path in paths {
        let Some(value) = resolve(item, path) else {
            continue;
        };
        let Some((Segment::Attr(root), rest)) = path.segments.split_first() else {
            continue;
        };
        let slot = tree.entry(root.clone()).or_insert(Projected::Pending);
        slot.insert(rest, value);
    }
    tree.into_iter()
        .filter_map(|(name, projected)| Some((name, projected.into_value()?)))
        .collect()
}

/// A partial value under construction.
enum Projected {
    Pending,
    Whole(Value),
    Map(BTreeMap<String, Projected>),
    List(BTreeMap<usize, Projected>),
}

impl Projected {
    fn insert(&mut self, segments: &[Segment], value: &Value) {
        let Some((first, rest)) = segments.split_first() else {
            *self = Projected::Whole(value.clone());
            return;
        };
        if matches!(self, Projected::Pending) {
            *self = match first {
                Segment::Attr(_) => Projected::Map(BTreeMap::new()),
                Segment::Index(_) => Projected::List(BTreeMap::new()),
            };
        }
        match (self, first) {
            (Projected::Map(map), Segment::Attr(name)) => map
                .entry(name.clone())
                .or_insert(Projected::Pending)
                .insert(rest, value),
            (Projected::List(list), Segment::Index(index)) => list
                .entry(*index)
                .or_insert(Projected::Pending)
                .insert(rest, value),
            _ => {}
        }
    }

    fn into_value(self) -> Option<Value> {
        match self {
            Projected::Pending => None,
            Projected::Whole(value) => Some(value),
            Projected::Map(map) => Some(Value::M(
                map.into_iter()
                    .filter_map(|(k, v)| Some((k, v.into_value()?)))
                    .collect(),
            )),
            Projected::List(list) => Some(Value::L(
                list.into_values()
                    .filter_map(Projected::into_value)
                    .collect(),
            )),
        }
    }
}
