# Third-party code (not written by this team), used as benchmark input only.
# Package: pip 19.1.1 (PyPI wheel pip-19.1.1-py2.py3-none-any.whl)
# Original path: pip/_internal/download.py
# License: MIT, Copyright (c) 2008-2019 The pip developers (see AUTHORS.txt file)
# Trimmed to _download_http_url() and the imports it uses; the code is otherwise unchanged, only the
# end-of-line label comments are ours. This is the pip release before the fix of CVE-2019-20916:
# the file name taken from a server's Content-Disposition header is joined to the download
# directory unchecked, so "../" in it writes outside (fixed in pip 19.2 with os.path.basename).
from __future__ import absolute_import

import cgi
import logging
import mimetypes
import os

from pip._vendor import requests
from pip._internal.utils.misc import splitext

logger = logging.getLogger(__name__)


def _download_http_url(
    link,  # type: Link
    session,  # type: PipSession
    temp_dir,  # type: str
    hashes,  # type: Hashes
    progress_bar  # type: str
):
    # type: (...) -> Tuple[str, str]
    """Download link url into temp_dir using provided session"""
    target_url = link.url.split('#', 1)[0]
    try:
        resp = session.get(
            target_url,
            # We use Accept-Encoding: identity here because requests
            # defaults to accepting compressed responses. This breaks in
            # a variety of ways depending on how the server is configured.
            # - Some servers will notice that the file isn't a compressible
            #   file and will leave the file alone and with an empty
            #   Content-Encoding
            # - Some servers will notice that the file is already
            #   compressed and will leave the file alone and will add a
            #   Content-Encoding: gzip header
            # - Some servers won't notice anything at all and will take
            #   a file that's already been compressed and compress it again
            #   and set the Content-Encoding: gzip header
            # By setting this to request only the identity encoding We're
            # hoping to eliminate the third case. Hopefully there does not
            # exist a server which when given a file will notice it is
            # already compressed and that you're not asking for a
            # compressed file and will then decompress it before sending
            # because if that's the case I don't think it'll ever be
            # possible to make this work.
            headers={"Accept-Encoding": "identity"},
            stream=True,
        )
        resp.raise_for_status()
    except requests.HTTPError as exc:
        logger.critical(
            "HTTP error %s while getting %s", exc.response.status_code, link,
        )
        raise

    content_type = resp.headers.get('content-type', '')
    filename = link.filename  # fallback
    # Have a look at the Content-Disposition header for a better guess
    content_disposition = resp.headers.get('content-disposition')
    if content_disposition:
        type, params = cgi.parse_header(content_disposition)
        # We use ``or`` here because we don't want to use an "empty" value
        # from the filename param.
        filename = params.get('filename') or filename  # flow: path-traversal
    ext = splitext(filename)[1]
    if not ext:
        ext = mimetypes.guess_extension(content_type)
        if ext:
            filename += ext
    if not ext and link.url != resp.url:
        ext = os.path.splitext(resp.url)[1]
        if ext:
            filename += ext
    file_path = os.path.join(temp_dir, filename)  # flow: path-traversal
    with open(file_path, 'wb') as content_file:  # expect: path-traversal
        _download_url(resp, link, content_file, hashes, progress_bar)
    return file_path, content_type
