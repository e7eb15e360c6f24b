// The playback panel: the recording played from the moment chosen, or how to choose one.
import { Playback } from '../../player/playback.jsx';

// `play` is {start, end, at} in ms, or null; `panelRef` is the panel's
// element (the page scrolls to it); `name` is the camera's.
export function PlaybackPanel({ panelRef, cameraId, play, name, onPosition }) {
  return (
    <div class="panel rec-section rec-player" ref={panelRef}>
      <h2>Playback</h2>
      {play ? (
        <Playback
          cameraId={cameraId}
          start={play.start}
          end={play.end}
          at={play.at}
          onPosition={onPosition}
          title={`Recording of ${name}`}
        />
      ) : (
        <div class="rec-player-empty">
          <p>Click the timeline, or a span's Play button, to watch the recording from that moment.</p>
        </div>
      )}
    </div>
  );
}
