// Small pieces every view uses: the status badge, an error banner, form
// fields with their error shown at the field, and a confirmation dialog.
import { useEffect, useRef } from 'preact/hooks';

// A stream status as the API spells it (RUNNING, STARTING, ERROR, STANDBY,
// STOPPED), or null for a camera with no live stream (shown as STOPPED).
// `reason` (an ERROR's last_error) is shown as the badge's title and beside it.
export function StatusBadge({ status, reason }) {
  const s = status || 'STOPPED';
  return (
    <span class={`badge badge-${s.toLowerCase()}`} title={reason || s} data-status={s}>
      {s}
    </span>
  );
}

// An error from the API (ApiError) or anything else, as one line.
export function ErrorBanner({ error, onRetry }) {
  if (!error) return null;
  return (
    <div class="banner banner-error" role="alert">
      <span>{error.message || String(error)}</span>
      {onRetry && (
        <button type="button" class="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

// A labelled form field; `error` is shown under it and wired to aria-describedby.
// `children` is the control; it must carry id={id}.
export function Field({ id, label, hint, error, children, inline = false }) {
  const errId = `${id}-error`;
  const hintId = `${id}-hint`;
  return (
    <div class={`field${inline ? ' field-inline' : ''}${error ? ' field-invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && !error && (
        <small id={hintId} class="field-hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errId} class="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

// A modal dialog built on <dialog>: focus moves into it, Escape closes it,
// and focus goes back where it was when it closes.
export function Modal({ title, onClose, children, labelledBy = 'modal-title' }) {
  const ref = useRef(null);
  useEffect(() => {
    const dlg = ref.current;
    const before = document.activeElement;
    if (dlg && !dlg.open) dlg.showModal();
    return () => {
      if (dlg && dlg.open) dlg.close();
      if (before && before.focus) before.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="modal"
      aria-labelledby={labelledBy}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={labelledBy}>{title}</h2>
      {children}
    </dialog>
  );
}

// "Delete Front door?" with Cancel and a danger button. `busy` disables both.
export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onCancel, busy, error }) {
  return (
    <Modal title={title} onClose={onCancel} labelledBy="confirm-title">
      <p>{message}</p>
      <ErrorBanner error={error} />
      <div class="actions">
        {/* The safe choice has the focus: Enter on a dialog opened by mistake deletes nothing. */}
        <button type="button" class="btn" onClick={onCancel} disabled={busy} autofocus>
          Cancel
        </button>
        <button type="button" class="btn btn-danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

export function Empty({ children }) {
  return <p class="empty">{children}</p>;
}
