"""QR codes as inline SVG (no image files, no script: allowed by the CSP). Shared with events."""

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    # Let CSS size it: drop the fixed millimetre width and height.
    return svg.replace('width="', 'data-w="', 1).replace('height="', 'data-h="', 1)
