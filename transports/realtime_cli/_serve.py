"""``realtime-proto serve``: the simulator on a local port."""

from __future__ import annotations

from realtime_blocking import SimulatorServer

from realtime_proto import Simulator

__all__ = ["serve"]


def serve(
    host: str, port: int, *, pace_audio: bool = False, session_duration: float | None = None
) -> int:
    """Run the simulator on a local port until interrupted."""

    def simulator() -> Simulator:
        return Simulator(pace_audio=pace_audio, session_duration=session_duration)

    server = SimulatorServer(host, port, simulator=simulator)
    print(f"simulator listening on {server.url}", flush=True)
    print(f"openai package: AsyncOpenAI(websocket_base_url={server.base_url!r})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
