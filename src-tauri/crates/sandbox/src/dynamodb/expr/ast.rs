//! The parsed, resolved form of expressions: placeholders are already replaced by the names and
//! values they stand for, so evaluation needs nothing but the item.

use std::fmt;

use crate::dynamodb::value::Value;

/// One step of a document path: an attribute (map key) or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Attr(String),
    Index(usize),
}

/// A document path such as `a.b[2].c`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    pub segments: Vec<Segment>,
}

impl Path {
    /// The top-level attribute this path starts at.
    pub fn root(&self) -> &str {
        match self.segments.first() {
            Some(Segment::Attr(name)) => name,
            _ => "",
        }
    }

    /// True when one path is a prefix of the other (or they are equal).
    pub fn overlaps(&self, other: &Path) -> bool {
        self.segments
            .iter()
            .zip(&other.segments)
            .all(|(a, b)| a == b)
    }

    /// True when the paths agree up to a step where one names a map key and the other a list
    /// index: they cannot both describe the same document.
    pub fn conflicts(&self, other: &Path) -> bool {
        self.segments
            .iter()
            .zip(&other.segments)
            .find(|(a, b)| a != b)
            .is_some_and(|pair| {
                matches!(
                    pair,
                    (Segment::Attr(_), Segment::Index(_)) | (Segment::Index(_), Segment::Attr(_))
                )
            })
    }

    /// The path as DynamoDB lists it in overlap errors: `[a, b, [2]]`.
    pub fn listed(&self) -> String {
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Attr(name) => name.clone(),
                Segment::Index(index) => format!("[{index}]"),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Attr(name) if i == 0 => f.write_str(name)?,
                Segment::Attr(name) => write!(f, ".{name}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// Something a condition compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    Path(Path),
    Value(Value),
    /// `size(…)` of a path or of a value.
    Size(Box<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    /// The comparator that holds with the operands swapped (`a < b` is `b > a`).
    pub fn flipped(self) -> Self {
        match self {
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
            same => same,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

/// A condition, filter or key condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Compare(Operand, Comparator, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    AttributeExists(Path),
    AttributeNotExists(Path),
    AttributeType(Operand, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
}

/// The right-hand side of a `SET` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Operand(SetOperand),
    Plus(SetOperand, SetOperand),
    Minus(SetOperand, SetOperand),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetOperand {
    Path(Path),
    Value(Value),
    IfNotExists(Path, Box<SetOperand>),
    ListAppend(Box<SetOperand>, Box<SetOperand>),
}

/// A whole update expression, clause by clause.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Update {
    pub set: Vec<(Path, SetValue)>,
    pub remove: Vec<Path>,
    pub add: Vec<(Path, Value)>,
    pub delete: Vec<(Path, Value)>,
}

impl Update {
    /// Whether the update only takes attributes or set members away.
    pub fn only_removes(&self) -> bool {
        self.set.is_empty()
            && self.add.is_empty()
            && (!self.remove.is_empty() || !self.delete.is_empty())
    }

    /// Every path the update writes, in clause order.
    pub fn targets(&self) -> impl Iterator<Item = &Path> {
        self.set
            .iter()
            .map(|(path, _)| path)
            .chain(&self.remove)
            .chain(self.add.iter().map(|(path, _)| path))
            .chain(self.delete.iter().map(|(path, _)| path))
    }
}
