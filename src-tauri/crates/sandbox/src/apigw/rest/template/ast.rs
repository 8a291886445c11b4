//! A parsed mapping template: text and references to render, and the directives that decide
//! what is rendered (`#set`, `#if`, `#foreach`, `#break`, `#stop`).

/// One piece of a template, or of a double-quoted string inside one.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Reference(Reference),
    Set {
        target: Reference,
        value: Expr,
    },
    If {
        branches: Vec<(Expr, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
    Foreach {
        variable: String,
        items: Expr,
        body: Vec<Node>,
    },
    Break,
    Stop,
}

/// `$name.property.method(args)[index]`, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// `$!name` (which API Gateway renders as it renders `$name`).
    pub quiet: bool,
    /// The reference's text, for messages.
    pub source: String,
    pub root: String,
    pub steps: Vec<Step>,
}

/// What follows a reference's name.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Property(String),
    Method(String, Vec<Expr>),
    Index(Expr),
}

/// An expression in a directive or a method's arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String),
    /// A double-quoted string with references or directives in it.
    Interpolated(Vec<Node>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Reference(Reference),
    List(Vec<Expr>),
    Range(Box<Expr>, Box<Expr>),
    Map(Vec<(Expr, Expr)>),
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary(Operator, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Or,
    And,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}
