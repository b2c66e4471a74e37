//! Connections to the registry, each a [`Store`], lent to one request at a time: the
//! store's calls block, so requests run them on tokio's blocking threads, each with its
//! own connection, up to a bound (more requests wait for one to come back).

use pli_store::{Store, StoreError};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

pub struct Pool {
    data: PathBuf,
    database: Option<String>,
    max: usize,
    state: Mutex<State>,
    returned: Condvar,
}

struct State {
    idle: Vec<Store>,
    open: usize,
}

impl Pool {
    /// Opens (and migrates) a first connection, so that a wrong URL fails at start.
    pub fn open(data: PathBuf, database: Option<String>, max: usize) -> Result<Arc<Pool>, StoreError> {
        let first = Store::open_with(&data, database.as_deref())?;
        Ok(Arc::new(Pool {
            data,
            database,
            max: max.max(1),
            state: Mutex::new(State { idle: vec![first], open: 1 }),
            returned: Condvar::new(),
        }))
    }

    /// A connection of its own until dropped.
    pub fn get(self: &Arc<Self>) -> Result<Lent, StoreError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(store) = state.idle.pop() {
                return Ok(Lent { store: Some(store), pool: self.clone() });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match Store::open_with(&self.data, self.database.as_deref()) {
                    Ok(store) => Ok(Lent { store: Some(store), pool: self.clone() }),
                    Err(e) => {
                        self.forget_one();
                        Err(e)
                    }
                };
            }
            state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn forget_one(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).open -= 1;
        self.returned.notify_one();
    }
}

/// A connection lent by the pool; it goes back when dropped, unless it failed (a
/// connection broken by a database restart is not lent again).
pub struct Lent {
    store: Option<Store>,
    pool: Arc<Pool>,
}

impl Lent {
    /// Drops the connection instead of returning it (after a connection error).
    pub fn discard(mut self) {
        self.store = None;
        self.pool.forget_one();
    }
}

impl std::ops::Deref for Lent {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.store.as_ref().expect("lent until dropped")
    }
}

impl std::ops::DerefMut for Lent {
    fn deref_mut(&mut self) -> &mut Store {
        self.store.as_mut().expect("lent until dropped")
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            self.pool.state.lock().unwrap_or_else(|e| e.into_inner()).idle.push(store);
            self.pool.returned.notify_one();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // A store anchors the history when dropped, and PostgreSQL's client blocks: not on
        // an async worker (the last reference may go there when the server stops).
        let idle = std::mem::take(&mut self.state.get_mut().unwrap_or_else(|e| e.into_inner()).idle);
        let _ = std::thread::spawn(move || drop(idle)).join();
    }
}
